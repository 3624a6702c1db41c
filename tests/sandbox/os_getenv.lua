-- Attack: read the environment while scoring.  Expected: the customer fails.
measure "m" { weight = 1, value = function(c) return #os.getenv("HOME") end }
