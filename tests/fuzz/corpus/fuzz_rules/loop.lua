bands { red = 0 }
measure "m" { weight = 1, value = function(c) while true do end end }
