-- many_problems.lua - more problems than one error message can hold.
flag "a01" {} flag "a02" {} flag "a03" {} flag "a04" {} flag "a05" {}
flag "a06" {} flag "a07" {} flag "a08" {} flag "a09" {} flag "a10" {}
flag "a11" {} flag "a12" {} flag "a13" {} flag "a14" {} flag "a15" {}
flag "a16" {} flag "a17" {} flag "a18" {} flag "a19" {} flag "a20" {}
flag "a21" {} flag "a22" {} flag "a23" {} flag "a24" {} flag "a25" {}
measure "m" { weight = 1, value = "nps_last" }
