-- Attack: change an indicator for later customers with rawset on c.
measure "m" { weight = 1, value = function(c) rawset(c, "nps_last", 10) return 1 end }
