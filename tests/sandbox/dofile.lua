-- Attack: run another file.
dofile("/etc/passwd")
measure "m" { weight = 1, value = "nps_last" }
