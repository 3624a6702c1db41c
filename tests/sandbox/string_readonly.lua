-- Attack: replace a library function, caught with pcall, then check that
-- the methods still work.  Expected: loads; every customer scores 3.
assert(getmetatable("") == "protected")
local ok, err = pcall(function() string.upper = function() return "pwned" end end)
assert(not ok and err:find("read%-only"), err)
ok = pcall(function() math.floor = nil end)
assert(not ok)
measure "m" { weight = 1, value = function(c) return #("abc"):upper() end }
