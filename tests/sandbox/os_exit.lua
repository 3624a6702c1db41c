-- Attack: end the host process.  Expected: load fails, the process lives.
os.exit(42)
measure "m" { weight = 1, value = "nps_last" }
