-- basic.lua - every scale, a function value, a missing default, a measure
-- without scale, each kind of reason, severities and a forced band.
bands { red = 0, yellow = 50, green = 75 }

measure "usage" { group = "adoption", weight = 30, value = "seat_utilization", scale = linear(0.2, 0.8) }
measure "support" { group = "support", weight = 15, value = function(c) return c.tickets_30d end, scale = inverse(0, 10) }
measure "sentiment" { weight = 20, value = "nps_last", scale = steps { {0, 0}, {7, 60}, {9, 100} }, missing = 50 }
measure "raw" { weight = 10, value = "csat_pct" }

flag "renewal_at_risk" {
  severity = "high",
  force_band = "red",
  when = function(c, s) return c.days_to_renewal ~= nil and c.days_to_renewal < 90 and s.score < 50 end,
  reason = function(c, s) return ("renews in %d days at health %.1f"):format(c.days_to_renewal, s.score) end,
}
flag "detractor" {
  when = function(c) return c.nps_last ~= nil and c.nps_last <= 6 end,
  reason = 'NPS "detractor" \\ caf\u{E9} \xff',
}
flag "watch" { severity = "low", when = function(c, s) return s.measures.usage.used == false end }
flag "critical_thing" {
  severity = "critical",
  when = function(c, s) return s.band == "red" end,
  reason = function(c, s) return ("score %s in %s, coverage %s"):format(s.score, s.band, s.coverage) end,
}
