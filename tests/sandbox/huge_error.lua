-- Attack: a 1 MiB error message with newlines.  Expected: a bounded,
-- single-line message.
measure "m" {
  weight = 1,
  value = function(c) error(string.rep("line\n", 200000)) end,
}
