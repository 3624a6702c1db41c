bands { red = 0, green = 50 }
measure "m" { weight = 1, value = "mrr" }
