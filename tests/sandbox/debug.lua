-- Attack: reach the registry (and everything in it) through debug.
local registry = debug.getregistry()
measure "m" { weight = 1, value = "nps_last" }
