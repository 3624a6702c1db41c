-- Attack: dump a function to bytecode (the way to crafted bytecode).
-- string.dump is absent, also through the string methods.
local via_method = ("").dump
assert(via_method == nil, "string methods still have dump")
local bytes = string.dump(function() end)
measure "m" { weight = 1, value = "nps_last" }
