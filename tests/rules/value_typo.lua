-- value_typo.lua - a misspelt indicator name as a measure's value.
measure "adoption" { weight = 1, value = "adoptoin_pct" }
