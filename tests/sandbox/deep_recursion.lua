-- Attack: unbounded recursion.  Expected: a stack or memory error.
local function down(n) return down(n + 1) + 1 end
measure "abyss" { weight = 1, value = function(c) return down(1) end }
