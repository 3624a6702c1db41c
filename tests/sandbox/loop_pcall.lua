-- Attack: loop forever and catch the time-limit error with pcall.
-- Expected: the hook keeps firing, so C1 still fails; C2 scores.
measure "stubborn" {
  weight = 1,
  value = function(c)
    if c.customer_id == "C1" then
      while true do
        pcall(function() while true do end end)
      end
    end
    return c.nps_last
  end,
}
