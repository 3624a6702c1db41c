-- Attack: carry state from one customer to the next through a global.
seen = 0
measure "m" {
  weight = 1,
  value = function(c)
    seen = seen + 1
    return seen
  end,
}
