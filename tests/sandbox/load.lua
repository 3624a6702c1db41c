-- Attack: compile code at run time (with its own environment).
local f = load("return os")
measure "m" { weight = 1, value = "nps_last" }
