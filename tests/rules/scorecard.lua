-- scorecard.lua - the first scorecard whose when(c) holds replaces the
-- weights it lists; 0 leaves a measure out.
measure "usage" { weight = 10, value = "usage" }
measure "nps" { weight = 10, value = "nps" }
measure "extra" { weight = 10, value = function(c) return c.extra end }
scorecard "enterprise" {
  when = function(c) return c.segment == "enterprise" end,
  weights = { usage = 30, extra = 0 },
}
scorecard "big" {
  when = function(c) return c.seats ~= nil and c.seats > 100 end,
  weights = { nps = 40 },
}
flag "which" { when = function(c, s) return true end, reason = function(c, s) return tostring(s.scorecard) end }
