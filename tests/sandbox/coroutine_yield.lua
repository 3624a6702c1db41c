-- Attack: yield from a measure, i.e. across the engine's C call.
-- Expected: the customer fails with an error, no crash.
measure "m" { weight = 1, value = function(c) return coroutine.yield(1) end }
