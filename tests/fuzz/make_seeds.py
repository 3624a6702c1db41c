#!/usr/bin/env python3
"""Write the seed corpora of tests/fuzz/corpus/ from examples/data and a few
hand-made malformed variants.  Run from the repository root; the output is
committed, so run it again only to change the seeds.

    python3 tests/fuzz/make_seeds.py
"""
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TABLES = ["customers", "subscriptions", "usage", "features", "adoption",
          "surveys", "tickets", "engagement", "spend"]
CUSTOM = 9


def head(table, n=6):
    with open(os.path.join(ROOT, "examples", "data", table + ".csv"), "rb") as f:
        return b"".join(f.readlines()[:n])


def write(target, name, data):
    d = os.path.join(ROOT, "tests", "fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def load_seed(name, table, csv, maps=(), twice=False):
    flags = len(maps) | (4 if twice else 0)
    body = bytes([table, flags]) + b"".join(m.encode() + b"\n" for m in maps) + csv
    write("fuzz_load", name, body)


def load_seeds():
    for i, t in enumerate(TABLES):
        csv = head(t)
        load_seed(t, i, csv)
        load_seed(t + "-twice", i, csv, twice=True)
        lines = csv.splitlines(keepends=True)
        load_seed(t + "-crlf", i, csv.replace(b"\n", b"\r\n"))
        load_seed(t + "-dup", i, csv + lines[1] + lines[1], twice=True)
        load_seed(t + "-extra", i, b",".join([lines[0].rstrip(b"\n"), b"note\n"]) +
                  b"".join(l.rstrip(b"\n") + b",\"a, \"\"quoted\"\"\nnote\"\n" for l in lines[1:]))
        load_seed(t + "-fields", i, lines[0] + lines[1].rstrip(b"\n") + b",x\n" + lines[2])
        load_seed(t + "-header-only", i, lines[0])
        load_seed(t + "-custom", CUSTOM, csv, twice=True)
    c = TABLES.index("customers")
    load_seed("customers-bom-quotes", c,
              b"\xef\xbb\xbfcustomer_id,name,start_date,churn_date\n"
              b"  C1  ,\"Acme, Inc.\",2024-02-29,\n"
              b"C2,\"multi\nline\",2023-02-29,\n"
              b"C3,caf\xc3\xa9,2024-01-01,2023-12-31\n"
              b"C4,bad\xff,2024-01-01,\n"
              b"C5,nul\x00byte,2024-01-01,\n")
    load_seed("customers-unterminated", c, b"customer_id,start_date\nC1,\"2024-01-01\nC2,2024-01-02\n")
    load_seed("customers-missing-required", c, b"customer_id,name\nC1,x\n")
    load_seed("customers-dup-header", c, b"customer_id,Customer_ID,start_date\nC1,C1,2024-01-01\n")
    load_seed("customers-empty-header", c, b"customer_id,,start_date\nC1,,2024-01-01\n")
    load_seed("customers-blank-lines", c, b"\n\ncustomer_id,start_date\n\r\nC1,2024-01-01\n\n")
    load_seed("empty", c, b"")
    t = TABLES.index("tickets")
    load_seed("tickets-map", t,
              b"Ticket ID,Organization,Created,status,resolved_at\n"
              b"T1,C1,2025-01-01T10:00Z,solved,2025-01-02 11:00:00\n"
              b"T2,C2,2025-01-01,solved,\n"
              b"T3,C1,2025-01-03T10:00:00Z,open,2025-01-02\n",
              maps=("ticket_id=Ticket ID", "customer_id=Organization", "opened_at=Created"))
    load_seed("tickets-bad-map", t, b"id,customer_id\n1,C1\n", maps=("nosuch=id", "ticket_id"))
    s = TABLES.index("surveys")
    load_seed("surveys-ranges", s,
              b"customer_id,date,type,score,respondent\n"
              b"C1,2025-01-01,NPS,10,a\nC1,2025-01-01,csat,6,a\nC1,2025-01-01,ces,7.5,\n"
              b"C1,2025-01-01,feeling,1e3,\nC1,2025-01-01,nps,\"1,5\",\nC1,2025-13-01,nps,5,\n")
    u = TABLES.index("usage")
    load_seed("usage-numbers", u,
              b"customer_id,date,active_users,sessions,events\n"
              b"C1,2025-01-01,-1,,\nC1,2025-01-02,99999999999999999999,1,1\n"
              b"C1,2025-01-03,+3,0x10,1\nC1,2025-01-04, 7 ,1.0,\n")
    load_seed("custom-odd-headers", CUSTOM,
              b"\"a\"\"b\",c d,\"e\nf\",rowid, g \n1,2,3,4,5\n,,,,\n", twice=True)


def parser_seeds():
    samples = ["2024-02-29", "2023-02-29", "0001-01-01", "9999-12-31", "0000-01-01",
               "2025-13-01", "2025-1-01", "2025-01-01T10:00", "2025-01-01T10:00:59Z",
               "2025-01-01 23:59:59", "2025-01-01T24:00", "2025-01-01T10:00:60",
               "2025-01", "2025-00", "12", "-7", "+3", "1.5", ".5", "5.", "1e3", "1,5",
               "99999999999999999999", "true", "No", "YES", "0", "nps", "Webinar",
               "urgent", "", "caf\u00e9 \u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
               "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9",
               "adoptoin_pct", "seat_utilisation"]
    for i, s in enumerate(samples):
        write("fuzz_parsers", "s%02d" % i, b"\xff" + s.encode())
    write("fuzz_parsers", "short-buffer", b"\x07" + b"2025-02-30")


RULES = {
    "health.lua": r'''
bands { red = 0, yellow = 50, green = 75 }

measure "usage" {
  group  = "adoption",
  weight = 30,
  value  = "seat_utilization",
  scale  = linear(0.2, 0.8),
}

measure "support_load" {
  weight = 15,
  value  = function(c) return c.tickets_30d end,
  scale  = inverse(0, 10),
}

measure "sentiment" {
  weight  = 20,
  value   = "nps_last",
  scale   = steps { {0, 0}, {7, 60}, {9, 100} },
  missing = 50,
}

indicator "webinars_30d" [[
  SELECT customer_id, count(*) FROM engagement
  WHERE kind = 'webinar' AND date > date(:as_of, '-30 days') GROUP BY customer_id
]]

flag "renewal_at_risk" {
  severity = "high",
  force_band = "red",
  when   = function(c, s) return c.days_to_renewal and c.days_to_renewal < 90 and s.score < 50 end,
  reason = function(c, s) return ("renews in %d days at health %.0f"):format(c.days_to_renewal, s.score) end,
}

scorecard "enterprise" {
  when = function(c) return c.segment == "enterprise" end,
  weights = { usage = 40, sentiment = 30 },
}
''',
    "minimal.lua": 'bands { red = 0, green = 50 }\nmeasure "m" { weight = 1, value = "mrr" }\n',
    "typo.lua": 'bands { red = 0 }\nmeasure "m" { weight = 1, value = function(c) return c.adoptoin_pct end }\n',
    "syntax.lua": 'bands { red = 0 \nmeasure "m" {\n',
    "forbidden.lua": 'local f = io.open("/etc/passwd")\nos.execute("id")\nload("return 1")()\n',
    "loop.lua": 'bands { red = 0 }\nmeasure "m" { weight = 1, value = function(c) while true do end end }\n',
    "memory.lua": 'bands { red = 0 }\nmeasure "m" { weight = 1, value = function(c) local t = {} '
                  'for i = 1, 1e9 do t[i] = ("x"):rep(100) end end }\n',
    "errors.lua": 'bands { red = 0 }\nmeasure "a" { weight = 1, value = function(c) error({}) end }\n'
                  'measure "b" { weight = 1, value = function(c) error(nil) end }\n'
                  'measure "c" { weight = 1, value = function(c) return 0/0 end }\n',
    "sql.lua": 'bands { red = 0 }\nindicator "x" [[ DELETE FROM customers ]]\n'
               'indicator "y" [[ ATTACH DATABASE \'/tmp/x.db\' AS x ]]\n'
               'indicator "z" [[ SELECT customer_id, 1/0 FROM customers ]]\n'
               'measure "m" { weight = 1, value = "x" }\n',
    "metatables.lua": 'getmetatable("").__index.upper = nil\nbands { red = 0 }\n'
                      'measure "m" { weight = 1, value = function(c) setmetatable(c, nil) '
                      'return rawget(c, "mrr") end }\n',
    "flags.lua": 'bands { red = 0, yellow = 40, green = 70 }\n'
                 'measure "u" { weight = 2, value = "active_users_30d", scale = linear(0, 10) }\n'
                 'flag "silent" { severity = "critical", force_band = "yellow", '
                 'when = function(c, s) return (c.days_since_last_activity or 999) > 14 end, '
                 'reason = function(c, s) return "silent" end }\n',
}


def rules_seeds():
    for name, src in RULES.items():
        write("fuzz_rules", name, src.lstrip().encode())


if __name__ == "__main__":
    load_seeds()
    parser_seeds()
    rules_seeds()
