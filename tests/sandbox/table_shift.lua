-- Attack: table.insert on a table whose length is 2^40 (a __len
-- metamethod): one C loop of 2^40 steps.
measure "m" {
  weight = 1,
  value = function(c)
    local t = setmetatable({}, { __len = function() return 1 << 40 end })
    table.insert(t, 1, "x")
    return 1
  end,
}
