bands { red = 0, yellow = 50, green = 75 }

measure "usage" {
  group  = "adoption",
  weight = 30,
  value  = "seat_utilization",
  scale  = linear(0.2, 0.8),
}

measure "support_load" {
  weight = 15,
  value  = function(c) return c.tickets_30d end,
  scale  = inverse(0, 10),
}

measure "sentiment" {
  weight  = 20,
  value   = "nps_last",
  scale   = steps { {0, 0}, {7, 60}, {9, 100} },
  missing = 50,
}

indicator "webinars_30d" [[
  SELECT customer_id, count(*) FROM engagement
  WHERE kind = 'webinar' AND date > date(:as_of, '-30 days') GROUP BY customer_id
]]

flag "renewal_at_risk" {
  severity = "high",
  force_band = "red",
  when   = function(c, s) return c.days_to_renewal and c.days_to_renewal < 90 and s.score < 50 end,
  reason = function(c, s) return ("renews in %d days at health %.0f"):format(c.days_to_renewal, s.score) end,
}

scorecard "enterprise" {
  when = function(c) return c.segment == "enterprise" end,
  weights = { usage = 40, sentiment = 30 },
}
