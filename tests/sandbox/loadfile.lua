-- Attack: run another file.
local f = loadfile("/etc/passwd")
measure "m" { weight = 1, value = "nps_last" }
