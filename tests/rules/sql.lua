-- sql.lua - rule-defined indicators, read-only SQL with :as_of bound.
indicator "webinars_30d" [[
  SELECT customer_id, count(*) FROM engagement
  WHERE kind = 'webinar' AND date > date(:as_of, '-30 days') AND date <= :as_of
  GROUP BY customer_id
]]
indicator "label" [[ SELECT customer_id, 'vip' FROM customers WHERE customer_id = 'C2' ]]
measure "webinars" {
  weight = 1,
  value = "webinars_30d",
  scale = steps { {0, 0}, {1, 50}, {3, 100} },
  missing = 0,
}
