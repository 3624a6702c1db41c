-- Attack: replace c's metatable.
measure "m" { weight = 1, value = function(c) setmetatable(c, {}) return 1 end }
