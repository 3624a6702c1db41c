bands { red = 0 }
measure "a" { weight = 1, value = function(c) error({}) end }
measure "b" { weight = 1, value = function(c) error(nil) end }
measure "c" { weight = 1, value = function(c) return 0/0 end }
