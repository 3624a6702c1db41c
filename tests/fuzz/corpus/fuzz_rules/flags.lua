bands { red = 0, yellow = 40, green = 70 }
measure "u" { weight = 2, value = "active_users_30d", scale = linear(0, 10) }
flag "silent" { severity = "critical", force_band = "yellow", when = function(c, s) return (c.days_since_last_activity or 999) > 14 end, reason = function(c, s) return "silent" end }
