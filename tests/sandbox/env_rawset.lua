-- Attack: plant a global past the environment's guard with rawset.
rawset(_ENV, "planted", true)
measure "m" { weight = 1, value = "nps_last" }
