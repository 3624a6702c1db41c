-- Attack: table.concat of many references to a 1 MiB string (256 MiB).
measure "glue" {
  weight = 1,
  value = function(c)
    local s = string.rep("x", 1 << 20)
    local t = {}
    for i = 1, 256 do t[i] = s end
    return #table.concat(t)
  end,
}
