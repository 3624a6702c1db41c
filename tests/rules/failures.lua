-- failures.lua - values a measure cannot use fail the customer.
measure "ok" { weight = 1, value = "v" }
measure "text" { weight = 1, value = "segment" }
measure "nan" { weight = 1, value = function(c) if c.customer_id == "C2" then return 0 / 0 end end }
measure "bool" { weight = 1, value = function(c) if c.customer_id == "C3" then return true end end }
measure "late" {
  weight = 1,
  value = function(c)
    if c.customer_id == "C4" then measure "x" { weight = 1, value = "v" } end
  end,
}
flag "s_typo" { when = function(c, s) return c.customer_id == "C5" and s.scroe > 1 end }
flag "m_typo" { when = function(c, s) return c.customer_id == "C6" and s.measures.txet.score end }
flag "bad_reason" { when = function(c) return c.customer_id == "C7" end, reason = function() return {} end }
