-- Attack: write to the context.
measure "m" { weight = 1, value = function(c) c.nps_last = 10 return 1 end }
