-- Attack: coroutines (a yield across the C boundary of a callback).
local co = coroutine.wrap(function() while true do coroutine.yield() end end)
measure "m" { weight = 1, value = "nps_last" }
