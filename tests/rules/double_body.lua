-- double_body.lua - one declaration given two bodies.
local body = measure "twice"
body { weight = 1, value = "nps_last" }
body { weight = 2, value = "nps_last" }
