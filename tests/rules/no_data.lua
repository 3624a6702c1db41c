-- no_data.lua - no measure has data and none has a missing default.
measure "a" { weight = 1, value = "nps_last" }
measure "b" { weight = 1, value = function(c) return nil end }
