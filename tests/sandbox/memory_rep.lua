-- Attack: one huge string for C1 (a long C call: only the memory cap can
-- stop it).  Expected: C1 fails with a memory error, C2 scores.
measure "big" {
  weight = 1,
  value = function(c)
    if c.customer_id == "C1" then
      return #string.rep("x", 1 << 30)
    end
    return c.nps_last
  end,
}
