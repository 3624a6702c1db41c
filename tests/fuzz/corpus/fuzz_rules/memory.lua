bands { red = 0 }
measure "m" { weight = 1, value = function(c) local t = {} for i = 1, 1e9 do t[i] = ("x"):rep(100) end end }
