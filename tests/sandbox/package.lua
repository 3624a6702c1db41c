-- Attack: find the real os library through package.loaded.
local real_os = package.loaded.os
measure "m" { weight = 1, value = "nps_last" }
