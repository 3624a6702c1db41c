bands { red = 0 }
indicator "x" [[ DELETE FROM customers ]]
indicator "y" [[ ATTACH DATABASE '/tmp/x.db' AS x ]]
indicator "z" [[ SELECT customer_id, 1/0 FROM customers ]]
measure "m" { weight = 1, value = "x" }
