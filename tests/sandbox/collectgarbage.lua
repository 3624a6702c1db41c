-- Attack: steer the garbage collector (stop it, then allocate).
collectgarbage("stop")
measure "m" { weight = 1, value = "nps_last" }
