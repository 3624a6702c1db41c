-- rules/enterprise.lua - an example playbook with a scorecard for
-- enterprise accounts and a rule-defined indicator.
--
-- Enterprise customers renew on relationships as much as on usage: the
-- "enterprise" scorecard gives sentiment and executive engagement more
-- weight.  Every other customer gets the "standard" scorecard, which
-- leaves executive engagement out (weight 0): small accounts have no QBRs.
-- The first scorecard whose `when` is true wins.
--
-- Check your edits with: vitals check rules/enterprise.lua

bands { red = 0, yellow = 55, green = 80 }

local function num(x)
  if x == math.floor(x) and math.abs(x) < 1e15 then return ("%d"):format(x) end
  return ("%.1f"):format(x)
end

-- A rule-defined indicator: business reviews (QBRs) held in the last year.
-- Customers without any get 0.  Rule SQL can only read.
indicator "qbrs_365d" [[
  SELECT c.customer_id, count(e.customer_id)
  FROM customers c
  LEFT JOIN engagement e
    ON e.customer_id = c.customer_id AND e.kind = 'qbr'
   AND e.date > date(:as_of, '-365 days') AND e.date <= :as_of
  GROUP BY c.customer_id
]]

---------------------------------------------------------------- usage

-- Share of the paid seats in use.
measure "seat_utilization" {
  group = "usage", weight = 20, value = "seat_utilization", scale = linear(0.2, 0.8),
}

-- Active users, last 30 days against the 30 before.
measure "usage_trend" {
  group = "usage", weight = 15, value = "usage_trend_pct", scale = linear(-50, 10),
}

-- Key features in use.
measure "adoption" {
  group = "adoption", weight = 15, scale = linear(10, 70),
  value = function(c) return c.key_adoption_pct or c.adoption_pct end,
}

---------------------------------------------------------------- relationship

-- Latest NPS answer: detractor 0, passive 60, promoter 100; none: neutral.
measure "nps" {
  group = "sentiment", weight = 15, value = "nps_last", missing = 50,
  scale = steps { {0, 0}, {7, 60}, {9, 100} },
}

-- The CSM's reading of the relationship (1-5).
measure "csm_feeling" {
  group = "sentiment", weight = 10, value = "feeling_last", scale = linear(1, 5), missing = 60,
}

-- Business reviews in the last year: none 0, one 70, two or more 100.
measure "executive_engagement" {
  group = "engagement", weight = 10, value = "qbrs_365d",
  scale = steps { {0, 0}, {1, 70}, {2, 100} },
}

---------------------------------------------------------------- support & revenue

-- Urgent tickets open: none 100, 3 or more 0.
measure "urgent_tickets" {
  group = "support", weight = 5, value = "tickets_urgent_open", scale = inverse(0, 3),
}

-- MRR against three months ago: -20% scores 0, +10% scores 100.
measure "mrr_trend" {
  group = "financial", weight = 10, value = "mrr_change_90d_pct", scale = linear(-20, 10),
}

---------------------------------------------------------------- scorecards

scorecard "enterprise" {
  when    = function(c) return c.segment == "enterprise" end,
  weights = { nps = 20, csm_feeling = 15, executive_engagement = 15, seat_utilization = 15 },
}

scorecard "standard" {
  when    = function(c) return true end,
  weights = { executive_engagement = 0 },
}

---------------------------------------------------------------- flags

flag "renewal_at_risk" {
  severity = "critical", force_band = "red",
  when   = function(c, s)
    return c.days_to_renewal ~= nil and c.days_to_renewal >= 0 and c.days_to_renewal <= 120
       and s.score < 55
  end,
  reason = function(c, s)
    return ("renews in %s days at health %s"):format(num(c.days_to_renewal), num(s.score))
  end,
}

flag "no_executive_contact" {
  severity = "high",
  when   = function(c, s) return s.scorecard == "enterprise" and (c.qbrs_365d or 0) == 0 end,
  reason = "no business review in the last 12 months",
}

flag "usage_drop" {
  severity = "high",
  when   = function(c) return c.usage_trend_pct ~= nil and c.usage_trend_pct < -30 end,
  reason = function(c)
    return ("usage down %s%% vs the previous 30 days"):format(num(-c.usage_trend_pct))
  end,
}

flag "detractor" {
  when   = function(c) return c.nps_last ~= nil and c.nps_last <= 6 end,
  reason = function(c) return ("latest NPS answer is %s (detractor)"):format(num(c.nps_last)) end,
}
