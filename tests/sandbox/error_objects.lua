-- Attack: error objects that are not strings.
measure "table" { weight = 1, value = function(c) if c.customer_id == "C1" then error({}) end end }
measure "nil" { weight = 1, value = function(c) if c.customer_id == "C2" then error(nil) end end }
