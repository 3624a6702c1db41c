-- top_error.lua - the top level fails at run time: only that is reported
-- (what would have come after it is unknown).
measure "m" { weight = 1, value = "nps_last" }
flag "f" { when = function() return true end, force_band = "later" }
local total = nps_lsat + 1
bands { red = 0, later = 50 }
