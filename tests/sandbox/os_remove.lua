-- Attack: delete a file.  Expected: load fails.
os.remove("/tmp/vitals-sandbox-victim")
measure "m" { weight = 1, value = "nps_last" }
