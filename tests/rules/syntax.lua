-- syntax.lua - a missing closing brace.
measure "m" {
  weight = 1,
  value = "nps_last",
