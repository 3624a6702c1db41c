-- Attack: replace string methods for everyone through the shared string
-- metatable.  Expected: load fails (getmetatable("") is protected).
getmetatable("").__index.upper = function() return "pwned" end
measure "m" { weight = 1, value = "nps_last" }
