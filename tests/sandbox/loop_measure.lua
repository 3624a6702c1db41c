-- Attack: a measure that never returns, for customer C1 only.
-- Expected: C1 fails naming itself and the measure; C2 scores 7.
measure "spin" {
  weight = 1,
  value = function(c)
    if c.customer_id == "C1" then
      while true do end
    end
    return c.nps_last
  end,
}
