-- Attack: write to the host's stdout (corrupting CSV/JSON output).
print("hello")
measure "m" { weight = 1, value = "nps_last" }
