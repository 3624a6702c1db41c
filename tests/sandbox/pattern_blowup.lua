-- Attack: a backtracking pattern on a long subject (polynomial work in
-- one C call, where the count hook cannot fire).  Expected: refused at once.
measure "regex" {
  weight = 1,
  value = function(c)
    local s = string.rep("a", 20000)
    return s:find(".-.-.-.-.-.-b") or 0
  end,
}
