-- Attack: the top level never finishes.  Expected: load fails in about 1 s.
while true do end
