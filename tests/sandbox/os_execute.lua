-- Attack: run a shell command.  Expected: load fails; no file appears.
os.execute("touch /tmp/vitals-sandbox-os-execute")
measure "m" { weight = 1, value = "nps_last" }
