-- Attack: grow a table without bound.  Expected: memory error, C2 scores.
measure "hoard" {
  weight = 1,
  value = function(c)
    if c.customer_id == "C1" then
      local t = {}
      for i = 1, math.maxinteger do t[i] = { i } end
    end
    return c.nps_last
  end,
}
