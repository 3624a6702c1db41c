-- Attack: write to a file through the io library.  Expected: load fails.
io.open("/tmp/vitals-sandbox-io", "w"):write("pwned")
measure "m" { weight = 1, value = "nps_last" }
