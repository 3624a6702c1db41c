-- Attack: give the environment a metatable that invents globals.
setmetatable(_ENV, { __index = function() return 1 end })
measure "m" { weight = 1, value = "nps_last" }
