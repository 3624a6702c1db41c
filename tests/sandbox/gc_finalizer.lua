-- Attack: a finaliser, which would run outside any time budget (during
-- garbage collection, or when the rules are freed).
setmetatable({}, { __gc = function() while true do end end })
measure "m" { weight = 1, value = "nps_last" }
