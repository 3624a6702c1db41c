getmetatable("").__index.upper = nil
bands { red = 0 }
measure "m" { weight = 1, value = function(c) setmetatable(c, nil) return rawget(c, "mrr") end }
