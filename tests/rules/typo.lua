-- typo.lua - a misspelt indicator, seen by check and at run time.
measure "adoption" {
  weight = 1,
  value = function(c) return c.adoptoin_pct end,
}
