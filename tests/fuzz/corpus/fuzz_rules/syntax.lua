bands { red = 0 
measure "m" {
