-- rules/health.lua - the default health playbook of Vitals.
--
-- How this file works
--   Each `measure` turns one indicator of a customer into a 0-100 score.
--   The health score is the weighted mean of those scores: a measure with
--   weight 12 counts twice as much as one with weight 6 (the weights below
--   add up to 100 only to make them easy to read as percentages).
--   A measure whose value is missing (for example no survey answered) is
--   left out and the others are re-weighted, unless it gives a `missing`
--   score to use instead.  `coverage` tells how much of the weight had data.
--   Each `flag` is a risk signal with a readable reason; a flag with
--   `force_band` puts the customer in that band whatever the score.
--
-- Scales
--   linear(lo, hi)   lo or worse scores 0, hi or better scores 100
--   inverse(lo, hi)  lo or less scores 100, hi or more scores 0
--   steps { {threshold, score}, ... }  the score of the highest threshold
--                    reached; 0 below the first
--
-- Check your edits with: vitals check rules/health.lua

-- Bands are lower bounds on the score.  Set them from your own history:
-- score a past date (vitals score --as-of) and see where the customers who
-- then left fell.  On the example portfolio, most customers who churned
-- within 90 days scored under 60, so red ends there.
bands { red = 0, yellow = 60, green = 75 }

-- Numbers as people write them in a sentence: 3 rather than 3.0, 4.5
-- rather than 4.5000.
local function num(x)
  if x == math.floor(x) and math.abs(x) < 1e15 then return ("%d"):format(x) end
  return ("%.1f"):format(x)
end

local function plural(n, one, many)
  return num(n) .. " " .. (n == 1 and one or many)
end

---------------------------------------------------------------- usage & adoption
-- Usage moves first: customers stop using a product months before they
-- stop paying for it, so these are the leading measures.

-- Seats in use.  A customer paying for seats nobody uses is the first to
-- cut them at renewal.  20% of seats active or less scores 0, 80% or more 100.
measure "seat_utilization" {
  group  = "usage",
  weight = 12,
  value  = "seat_utilization",
  scale  = linear(0.2, 0.8),
}

-- Usage trend: active users over the last 30 days against the 30 before.
-- A fall of half or more scores 0; growing 10% or more scores 100.
measure "usage_trend" {
  group  = "usage",
  weight = 12,
  value  = "usage_trend_pct",
  scale  = linear(-50, 10),
}

-- Adoption of the key features (all features when the catalogue marks
-- none as key).  Customers who use what delivers the value stay.
measure "adoption" {
  group  = "adoption",
  weight = 11,
  value  = function(c) return c.key_adoption_pct or c.adoption_pct end,
  scale  = linear(10, 70),
}

-- Recency: days since anyone was active.  Active in the last 3 days
-- scores 100; a month or more of silence scores 0; never active scores 0.
measure "recency" {
  group   = "usage",
  weight  = 10,
  value   = "days_since_last_activity",
  scale   = inverse(3, 30),
  missing = 0,
}

---------------------------------------------------------------- sentiment
-- What customers tell us.  Unanswered surveys count as neutral, so a
-- quiet customer is neither punished nor rewarded.

-- NPS, the latest answer: detractors (0-6) score 0, passives (7-8) 60,
-- promoters (9-10) 100.
measure "nps" {
  group   = "sentiment",
  weight  = 10,
  value   = "nps_last",
  scale   = steps { {0, 0}, {7, 60}, {9, 100} },
  missing = 50,
}

-- CSAT over 90 days (1-5): 2 or less scores 0, 5 scores 100.
measure "csat" {
  group   = "sentiment",
  weight  = 6,
  value   = "csat_avg_90d",
  scale   = linear(2, 5),
  missing = 60,
}

-- Customer effort over 90 days (1-7, 7 = "it was easy").  If your survey
-- asks it the other way round (7 = hard), use inverse(2, 6) instead.
measure "effort" {
  group   = "sentiment",
  weight  = 4,
  value   = "ces_avg_90d",
  scale   = linear(2, 6),
  missing = 60,
}

-- The CSM's own reading of the relationship (1-5): trust, loyalty, tone.
measure "csm_feeling" {
  group   = "sentiment",
  weight  = 5,
  value   = "feeling_last",
  scale   = linear(1, 5),
  missing = 60,
}

---------------------------------------------------------------- support
-- Friction in support sours a relationship fast.

-- Urgent or high-priority tickets still open: none scores 100, 3 or more 0.
measure "urgent_tickets" {
  group  = "support",
  weight = 6,
  value  = "tickets_urgent_open",
  scale  = inverse(0, 3),
}

-- Average hours to resolve a ticket (90 days): within a working day scores
-- 100, three days or more 0.  No ticket resolved: left out.
measure "resolution_time" {
  group  = "support",
  weight = 5,
  value  = "resolution_hours_avg_90d",
  scale  = inverse(8, 72),
}

-- Tickets solved at the first contact (90 days): 40% or less scores 0,
-- 90% or more 100.
measure "first_contact_resolution" {
  group  = "support",
  weight = 4,
  value  = "fcr_rate_90d",
  scale  = linear(40, 90),
}

---------------------------------------------------------------- financial

-- MRR against three months ago: a 20% fall scores 0, 10% growth 100.
measure "mrr_trend" {
  group  = "financial",
  weight = 10,
  value  = "mrr_change_90d_pct",
  scale  = linear(-20, 10),
}

-- Time left before the renewal: the less time, the less room to fix
-- anything else.  A renewal date already passed scores 0; within a month
-- 40; within a quarter 70; further away 100.  No renewal date: left out.
measure "renewal_runway" {
  group  = "financial",
  weight = 5,
  value  = "days_to_renewal",
  scale  = steps { {0, 40}, {30, 70}, {90, 100} },
}

---------------------------------------------------------------- flags
-- Severity orders the at-risk list: critical, high, medium, low.

-- Leading signal: usage fell sharply in the last 30 days.
flag "usage_drop" {
  severity = "high",
  when   = function(c) return c.usage_trend_pct ~= nil and c.usage_trend_pct < -30 end,
  reason = function(c)
    return ("usage down %s%% vs the previous 30 days"):format(num(-c.usage_trend_pct))
  end,
}

-- The latest NPS answer came from a detractor.
flag "detractor" {
  severity = "medium",
  when   = function(c) return c.nps_last ~= nil and c.nps_last <= 6 end,
  reason = function(c) return ("latest NPS answer is %s (detractor)"):format(num(c.nps_last)) end,
}

-- Urgent or high-priority tickets are waiting.
flag "urgent_tickets_open" {
  severity = "high",
  when   = function(c) return (c.tickets_urgent_open or 0) > 0 end,
  reason = function(c)
    return plural(c.tickets_urgent_open, "urgent ticket", "urgent tickets") .. " open"
  end,
}

-- Renewal within 90 days at low health: this one goes red whatever the score.
flag "renewal_at_risk" {
  severity   = "critical",
  force_band = "red",
  when   = function(c, s)
    return c.days_to_renewal ~= nil and c.days_to_renewal >= 0 and c.days_to_renewal <= 90
       and s.score < 50
  end,
  reason = function(c, s)
    return ("renews in %s at health %s"):format(plural(c.days_to_renewal, "day", "days"),
                                                num(s.score))
  end,
}

-- Revenue is shrinking: products dropped or downgraded.
flag "contraction" {
  severity = "medium",
  when   = function(c)
    return (c.contraction_mrr_90d or 0) > 0
        or (c.mrr_change_90d_pct ~= nil and c.mrr_change_90d_pct < 0)
  end,
  reason = function(c)
    if (c.contraction_mrr_90d or 0) > 0 then
      return ("MRR contracted by %s in the last 90 days"):format(num(c.contraction_mrr_90d))
    end
    return ("MRR down %s%% vs 3 months ago"):format(num(-c.mrr_change_90d_pct))
  end,
}

-- Nobody has used the product for two weeks (or ever, for a customer with seats).
flag "inactive_14d" {
  severity = "high",
  when   = function(c)
    local days = c.days_since_last_activity
    return (days ~= nil and days >= 14) or (days == nil and c.seats ~= nil and c.seats > 0)
  end,
  reason = function(c)
    if c.days_since_last_activity == nil then return "no activity recorded yet" end
    return ("no activity for %s"):format(plural(c.days_since_last_activity, "day", "days"))
  end,
}

-- Health fell 10 points or more since the previous run.
flag "health_drift" {
  severity = "medium",
  when   = function(c) return c.score_change ~= nil and c.score_change <= -10 end,
  reason = function(c, s)
    return ("health fell %s points since the previous run (%s to %s)"):format(
      num(-c.score_change), num(c.score_prev), num(s.score))
  end,
}

-- The score rests on little data: read it with care.
flag "low_coverage" {
  severity = "low",
  when   = function(c, s) return s.coverage < 50 end,
  reason = function(c, s) return ("only %s%% of the weight had data"):format(num(s.coverage)) end,
}
