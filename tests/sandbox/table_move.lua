-- Attack: table.move of 10^12 nils: one C loop, no allocation.
measure "m" {
  weight = 1,
  value = function(c) table.move({}, 1, 1000000000000, 2) return 1 end,
}
