-- score_change.lua - c.score_change and s.score_change against score_prev,
-- unknown while measures run.
measure "m" { weight = 1, value = "v" }
measure "peek" {
  weight = 1,
  value = function(c)
    assert(c.score_change == nil, "score_change is known before the score")
    return nil
  end,
}
flag "health_drift" {
  when = function(c, s) return c.score_change ~= nil and c.score_change <= -10 end,
  reason = function(c, s)
    return ("fell %s points (%s to %s), s says %s"):format(-c.score_change, c.score_prev, s.score, s.score_change)
  end,
}
flag "any_change" {
  severity = "low",
  when = function(c) return c.score_change ~= nil end,
  reason = function(c) return tostring(c.score_change) end,
}
