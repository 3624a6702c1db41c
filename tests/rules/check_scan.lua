-- check_scan.lua - c.NAME in comments and strings is not code: c.not_this
--[[ c.nor_this ]]
--[==[
  c.nor_this_one
]==]
local text = "c.nor_this_either" .. 'c.nor_that'
local long = [==[ c.still_not ]==]
indicator "custom_one" [[ SELECT customer_id, 1 FROM customers ]]
local function half(x) return x / 2 end
measure "m" {
  weight = 1,
  value = function(c) return c.custom_one + half(c.nps_last) + c . npss_last end,
}
