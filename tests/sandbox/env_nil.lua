-- Attack: drop the environment, then use it.  Expected: load fails.
_ENV = nil
measure "m" { weight = 1, value = "nps_last" }
