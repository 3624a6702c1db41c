-- broken.lua - one problem per declaration; check must report them all.
measure "usage" { wieght = 10, value = "seat_utilization" }

flag "f" { severity = "urgent", when = function() end }

flag "g" { reason = "x" }

flag "h" { when = function() end, force_band = "amber" }

measure "usage" { weight = 1, value = "nps_last" }

measure "m2" { weight = -1, value = "nps_last" }

measure "m3" { weight = 1, value = "nps_lst" }

bands { red = 0, yellow = 75, green = 75 }

scorecard "sc" { when = function() return true end, weights = { m33 = 2 } }

measure "pending"

local x = linear(5, 5)
