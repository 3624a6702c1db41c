-- Attack: load a module (a C library could be anything).
local io = require("io")
measure "m" { weight = 1, value = "nps_last" }
