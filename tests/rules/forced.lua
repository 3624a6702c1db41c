-- forced.lua - custom bands; the worst forced band wins, even over a
-- better score band.
bands { red = 0, amber = 40, yellow = 60, green = 80 }
measure "m" { weight = 1, value = "v" }
flag "to_yellow" { force_band = "yellow", when = function(c) return c.v >= 90 end }
flag "to_amber" { force_band = "amber", when = function(c) return c.v >= 95 end }
flag "to_yellow_again" { force_band = "yellow", when = function(c) return c.v >= 95 end }
