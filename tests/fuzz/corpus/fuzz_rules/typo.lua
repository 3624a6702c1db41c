bands { red = 0 }
measure "m" { weight = 1, value = function(c) return c.adoptoin_pct end }
