#!/usr/bin/env python3
"""Generate a realistic, deterministic SaaS customer portfolio for Vitals.

Writes the nine input tables of SPEC section 2 (customers, subscriptions, usage,
features, adoption, surveys, tickets, engagement, spend) as CSV files into --out.
Python 3 standard library only. The same arguments (seed included) always give
byte-identical files; each table draws from its own random stream, so --only does
not change the content of the tables it writes.

    python3 scripts/gen_portfolio.py --out examples/data
    python3 scripts/gen_portfolio.py --out /tmp/big --only usage \\
        --customers 100000 --usage-days 90

The window is the --months calendar months ending with the month of --end
(defaults: 15 months ending 2026-10-31, so 2025-08-01 .. 2026-10-31). Nothing is
dated after --end except customers.renewal_date, which is a contract date and is
usually in the future.

Story in the data (see also examples/README.md):
  * ~15% of customers churn inside the window (customers.churn_date); most of them
    show a usage decline over the 60-90 days before, some go silent, lower NPS,
    more tickets; ~20% of churners are "surprise" churns with no warning.
  * ~5% of the customers still active at --end have a sharp usage drop (>30%) in
    the last 12-25 days, ~3% have had no activity for the last 14-40 days.
  * ~3% are reactivations: their MRR is 0.00 (explicit 0.00 subscription rows) for
    1-2 months in the middle of the window and then returns; churn_date stays empty.
  * Expansions (seat upsell), contractions (seat cuts, MRR stays > 0), cross-sell
    (a product added later), product drops (one add-on goes away; its rows simply
    end) and churners' downgrades before leaving.
"""

import argparse
import csv
import datetime as dt
import math
import os
import random
import sys
import time

TABLES = ["customers", "subscriptions", "usage", "features", "adoption",
          "surveys", "tickets", "engagement", "spend"]

HEADERS = {
    "customers": ["customer_id", "name", "segment", "plan", "owner", "region",
                  "seats", "start_date", "renewal_date", "churn_date", "referred_by"],
    "subscriptions": ["customer_id", "month", "product", "mrr"],
    "usage": ["customer_id", "date", "active_users", "sessions", "events"],
    "features": ["feature", "key"],
    "adoption": ["customer_id", "feature", "date", "uses"],
    "surveys": ["customer_id", "date", "type", "score", "respondent", "comment"],
    "tickets": ["ticket_id", "customer_id", "opened_at", "first_response_at",
                "resolved_at", "status", "priority", "contacts", "csat"],
    "engagement": ["customer_id", "date", "kind", "count"],
    "spend": ["month", "channel", "amount"],
}

PRODUCTS = ["core", "analytics", "integrations", "support_plus"]

# feature, key
FEATURES = [
    ("dashboards", True), ("reports", True), ("workflows", True), ("api", True),
    ("alerts", False), ("exports", False), ("sso", False), ("mobile_app", False),
    ("ai_assistant", False), ("audit_log", False), ("custom_fields", False),
    ("scheduled_reports", False),
]

OWNERS = ["Ana Souza", "Bruno Lima", "Carla Mendes", "Diego Ferreira",
          "Elena Rossi", "João Pereira"]

SEG_SEATS = {"smb": (3, 25), "mid": (25, 200), "enterprise": (200, 2000)}

# price per seat per month (core, analytics) by plan; flat add-ons by segment
CORE_PPS = {"basic": 9.0, "pro": 16.0, "enterprise": 24.0}
ANALYTICS_PPS = {"basic": 3.0, "pro": 5.0, "enterprise": 7.5}
INTEGRATIONS_FLAT = {"smb": 49.0, "mid": 199.0, "enterprise": 790.0}

NAME_A = ["Blue", "Silver", "North", "Bright", "Iron", "Green", "Red", "Swift",
          "Golden", "Clear", "Stone", "Cedar", "Summit", "Harbor", "Atlas",
          "Nova", "Pioneer", "Lunar", "Solar", "Vertex", "Crimson", "Maple",
          "Coral", "Prime", "Urban", "Delta", "Orbit", "Falcon", "Granite",
          "Aurora", "Cobalt", "Evergreen", "Meridian", "Polar", "Quartz",
          "Sierra", "Tidal", "Vista", "Willow", "Zenith"]
NAME_B = ["Harbor", "Peak", "River", "Forge", "Field", "Bridge", "Wave", "Line",
          "Point", "Stack", "Works", "Labs", "Logic", "Path", "Gate", "Grid",
          "Loop", "Mill", "Spark", "Trail", "Yard", "Crest", "Haven", "Ridge",
          "Sky", "Vale", "Beacon", "Anchor", "Canyon", "Fjord"]
NAME_C = ["Logistics", "Analytics", "Health", "Foods", "Retail", "Software",
          "Energy", "Capital", "Media", "Robotics", "Systems", "Pharma",
          "Travel", "Learning", "Mobility", "Insurance", "Telecom", "Farms",
          "Textiles", "Consulting", "Studios", "Payments", "Security", "Cloud"]
NAME_SUFFIX = ["", "", "", "", " Inc.", ", Inc.", " Ltd", " LLC", " Ltda",
               " GmbH", " S.A.", " Pty Ltd", " & Co."]

FIRST = ["Maria", "Pedro", "Lucas", "Sofia", "Liam", "Emma", "Noah", "Olivia",
         "Chen", "Aiko", "Ravi", "Priya", "Fatima", "Omar", "Hans", "Greta",
         "Zoë", "José", "Ingrid", "Kwame", "Amara", "Mateo", "Lucía", "Yuki",
         "Sean", "Nora", "Tomás", "Elif", "Arjun", "Mei"]
LAST = ["Silva", "Santos", "Smith", "Johnson", "Müller", "Schmidt", "Rossi",
        "García", "Martínez", "Tanaka", "Sato", "Patel", "Sharma", "Okafor",
        "Mensah", "Dubois", "Laurent", "Kowalski", "Nowak", "O'Brien", "Kim",
        "Nguyen", "Haddad", "Yilmaz", "Andersson", "Costa", "Fischer", "Ito"]

COMMENTS_GOOD = [
    "Great product, our team uses it every day.",
    "Support was fast, friendly and actually solved the issue.",
    "Love the new dashboards",
    "The \"scheduled reports\" feature saved us hours, thanks!",
    "Ótimo suporte, equipe muito atenciosa.",
    "Easy to roll out to new hires.",
    "Solid, reliable, no complaints.",
]
COMMENTS_MID = [
    "Good overall, but the API docs could be clearer.",
    "Works, although exports are slow for large accounts.",
    "OK. Pricing is a bit high for what we use.",
    "Would like SSO on the basic plan, please.",
    "Fine for now.\nWe are still evaluating the analytics module.",
    "Mobile app is \"meh\", desktop is great.",
]
COMMENTS_BAD = [
    "Too expensive, and the onboarding was confusing.",
    "We had three outages this quarter; not acceptable.",
    "Reports keep timing out.\nWe opened tickets, still waiting.",
    "Nobody from your team has called us in months.",
    "Missing features we were \"promised\" during the sale, again.",
    "Considering other tools, honestly.",
    "Integração com o ERP falha toda semana, péssimo.",
]

BIG = 10 ** 9


# --------------------------------------------------------------------------- dates

def parse_date(s):
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise argparse.ArgumentTypeError("not a date YYYY-MM-DD: %r" % s)


def add_months(y, m, k):
    t = y * 12 + (m - 1) + k
    return t // 12, t % 12 + 1


def month_end(y, m):
    ny, nm = add_months(y, m, 1)
    return dt.date(ny, nm, 1) - dt.timedelta(days=1)


def anniversary(start, year):
    try:
        return start.replace(year=year)
    except ValueError:          # 29 February
        return dt.date(year, 2, 28)


def next_anniversary(start, not_before):
    """First anniversary of start (at least one year after it) >= not_before."""
    y = max(start.year + 1, not_before.year - 1)
    a = anniversary(start, y)
    while a < not_before:
        y += 1
        a = anniversary(start, y)
    return a


# --------------------------------------------------------------------------- model

class Customer:
    __slots__ = (
        "idx", "cid", "name", "segment", "plan", "owner", "region", "seats_shown",
        "start", "start_o", "churn", "stop_o", "renewal", "referred_by", "h",
        "archetype", "seat_steps", "prods", "gap", "discount", "start_m", "last_m",
        "util", "spu", "epu", "wk_skip", "wk_f", "decl_o", "decl_floor", "drop_o",
        "drop_f", "silent_o", "sp_o", "domain", "contacts", "final_seats",
    )


def weighted(rng, pairs):
    r = rng.random() * sum(w for _, w in pairs)
    for v, w in pairs:
        r -= w
        if r < 0:
            return v
    return pairs[-1][0]


def log_uniform_int(rng, lo, hi):
    return int(round(math.exp(rng.uniform(math.log(lo), math.log(hi)))))


def slug(s):
    out = []
    for ch in s.lower():
        if "a" <= ch <= "z" or "0" <= ch <= "9":
            out.append(ch)
    return "".join(out) or "company"


ASCII = str.maketrans("áàãâäéèêëíìîïóòõôöúùûüçñÁÉÍÓÚÇÑ'", "aaaaaeeeeiiiiooooouuuucnAEIOUCN ")


def email_of(first, last, domain):
    f = first.translate(ASCII).lower().replace(" ", "")
    l = last.translate(ASCII).lower().replace(" ", "")
    return "%s.%s@%s" % (f, l, domain)


class Portfolio:
    def __init__(self, n, months, end, seed):
        self.n = n
        self.months = months
        self.end = end
        self.end_o = end.toordinal()
        self.seed = seed
        y, m = add_months(end.year, end.month, -(months - 1))
        self.w0 = dt.date(y, m, 1)
        self.w0_o = self.w0.toordinal()
        self.month_list = [add_months(y, m, k) for k in range(months)]
        self.customers = []
        self._build()

    def rng(self, name):
        return random.Random("vitals-portfolio/%s/%s" % (self.seed, name))

    def month_index(self, d):
        return (d.year - self.w0.year) * 12 + d.month - self.w0.month

    def month_first_o(self, mi):
        y, m = self.month_list[mi]
        return dt.date(y, m, 1).toordinal()

    def month_last_o(self, mi):
        y, m = self.month_list[mi]
        return min(month_end(y, m).toordinal(), self.end_o)

    # ------------------------------------------------------------- customers
    def _build(self):
        rng = self.rng("customers")
        n, M = self.n, self.months
        end_o, w0_o = self.end_o, self.w0_o
        window_days = end_o - w0_o + 1
        width = max(4, len(str(n)))
        names_seen = set()
        raw = []
        for i in range(n):
            c = Customer()
            seg = weighted(rng, [("smb", 55), ("mid", 32), ("enterprise", 13)])
            lo, hi = SEG_SEATS[seg]
            c.segment = seg
            c.final_seats = log_uniform_int(rng, lo, hi)
            c.plan = weighted(rng, {
                "smb": [("basic", 60), ("pro", 40)],
                "mid": [("basic", 15), ("pro", 70), ("enterprise", 15)],
                "enterprise": [("pro", 20), ("enterprise", 80)],
            }[seg])
            c.owner = OWNERS[rng.randrange(len(OWNERS))] if seg != "enterprise" \
                else OWNERS[rng.randrange(3)]
            c.region = weighted(rng, [("na", 40), ("emea", 25), ("latam", 20), ("apac", 15)])
            if rng.random() < 0.35:   # new inside the window
                so = w0_o + rng.randrange(max(1, window_days - 7))
            else:                     # started earlier, up to ~6 years before
                so = w0_o - 1 - int(365 * 6 * rng.random() ** 1.6)
            c.start_o = so
            c.h = rng.betavariate(4.0, 2.0)      # latent health 0..1
            for _ in range(20):
                nm = "%s %s %s%s" % (rng.choice(NAME_A), rng.choice(NAME_B),
                                     rng.choice(NAME_C), rng.choice(NAME_SUFFIX))
                if nm not in names_seen:
                    break
            else:
                nm = "%s %d" % (nm, i + 1)
            names_seen.add(nm)
            c.name = nm
            raw.append(c)
        # CRM ids are assigned in order of signature
        raw.sort(key=lambda c: c.start_o)
        for i, c in enumerate(raw):
            c.idx = i
            c.cid = "C%0*d" % (width, i + 1)
            c.start = dt.date.fromordinal(c.start_o)
            c.start_m = self.month_index(c.start)
            w = c.name.split(",")[0].split(" ")
            c.domain = slug(w[0] + w[1]) + rng.choice([".com", ".com", ".io", ".co", ".com.br", ".de"])
        self.customers = raw

        # --- churners: ~15%, weighted towards low health and small accounts
        eligible = [c for c in raw if c.start_o <= end_o - 150]
        k = min(len(eligible), int(round(0.15 * n)))
        segw = {"smb": 1.5, "mid": 1.0, "enterprise": 0.6}

        def key(c):
            w = (1.25 - c.h) ** 2 * segw[c.segment]
            return rng.random() ** (1.0 / w)
        churners = set(id(c) for c in sorted(eligible, key=key, reverse=True)[:k])

        for c in raw:
            c.archetype = "healthy"
            c.churn = None
            c.stop_o = BIG
            c.decl_o = c.drop_o = c.silent_o = BIG
            c.decl_floor = 1.0
            c.drop_f = 1.0
            if id(c) in churners:
                lo_o = max(w0_o + 10, c.start_o + 120)
                hi_o = end_o - 1
                co = lo_o + rng.randrange(max(1, hi_o - lo_o + 1))
                if rng.random() < 0.5:       # many leave at their renewal
                    ann = next_anniversary(c.start, dt.date.fromordinal(lo_o + 5)).toordinal()
                    cand = ann + rng.randint(-10, 5)
                    if lo_o <= cand <= hi_o:
                        co = cand
                c.churn = dt.date.fromordinal(co)
                c.stop_o = co
                if rng.random() < 0.2:
                    c.archetype = "surprise_churn"
                else:
                    c.archetype = "churn"
                    c.h = min(c.h, rng.uniform(0.15, 0.6))
                    c.decl_o = co - rng.randint(60, 90)
                    c.decl_floor = rng.uniform(0.05, 0.35)
                    if rng.random() < 0.4:
                        c.silent_o = co - rng.randint(7, 30)

        # --- archetypes among customers active at the end date
        survivors = [c for c in raw if c.churn is None and c.start_o <= end_o - 120]
        rng.shuffle(survivors)
        n_drop = max(1, int(round(0.05 * n))) if survivors else 0
        n_silent = max(1, int(round(0.03 * n))) if len(survivors) > n_drop else 0
        n_react = max(1, int(round(0.03 * n))) if M >= 7 else 0
        pos = 0
        for c in survivors[pos:pos + n_drop]:
            c.archetype = "drop"
            c.drop_o = end_o - rng.randint(12, 25)
            c.drop_f = rng.uniform(0.2, 0.5)
        pos += n_drop
        for c in survivors[pos:pos + n_silent]:
            c.archetype = "silent"
            c.silent_o = end_o - rng.randint(14, 40)
            c.h = min(c.h, rng.uniform(0.3, 0.7))
        pos += n_silent
        react = [c for c in survivors[pos:] if c.start_m <= 1][:n_react]
        for c in react:
            c.archetype = "reactivated"

        # --- commercial history: seats per month, products, gaps
        for c in raw:
            lo, hi = SEG_SEATS[c.segment]
            first_m = max(0, c.start_m)
            last_m = (self.month_index(c.churn) - 1) if c.churn else M - 1
            c.last_m = last_m
            c.gap = None
            c.discount = rng.uniform(0.8, 1.0)
            steps = []          # (from_month, multiplier)
            span = last_m - first_m
            if span >= 3 and rng.random() < 0.25:             # upsell
                for _ in range(rng.choice([1, 1, 2])):
                    steps.append((first_m + rng.randint(1, span), rng.uniform(1.1, 1.5)))
            if span >= 3 and rng.random() < 0.10:             # contraction
                steps.append((first_m + rng.randint(1, span), rng.uniform(0.6, 0.9)))
            if c.archetype == "churn" and span >= 3 and rng.random() < 0.3:
                steps.append((last_m - rng.randint(0, 2), rng.uniform(0.5, 0.85)))
            steps.sort()
            mult = 1.0
            for _, f in steps:
                mult *= f
            s0 = max(lo, min(hi, int(round(c.final_seats / mult))))
            seat_steps = [(-BIG, s0)]
            s = s0
            for m_, f in steps:
                s = max(lo, min(hi, int(round(s * f))))
                seat_steps.append((m_, s))
            c.seat_steps = seat_steps
            c.final_seats = seat_steps[-1][1]
            c.seats_shown = "" if rng.random() < 0.05 else str(c.final_seats)
            # products: name -> [from_month, to_month_exclusive]
            pi = {"basic": 0, "pro": 1, "enterprise": 2}[c.plan]
            si = {"smb": 0, "mid": 1, "enterprise": 2}[c.segment]
            prods = {"core": [-BIG, BIG]}
            if rng.random() < (0.1, 0.4, 0.7)[pi]:
                prods["analytics"] = [-BIG, BIG]
            if rng.random() < (0.1, 0.3, 0.6)[pi]:
                prods["integrations"] = [-BIG, BIG]
            if rng.random() < (0.05, 0.2, 0.5)[si]:
                prods["support_plus"] = [-BIG, BIG]
            if span >= 2 and rng.random() < 0.2:              # cross-sell
                missing = [p for p in PRODUCTS if p not in prods]
                if missing:
                    prods[rng.choice(missing)] = [first_m + rng.randint(1, span), BIG]
            if span >= 3 and rng.random() < 0.04:             # an add-on is dropped
                addons = [p for p, r in prods.items() if p != "core" and r[0] == -BIG]
                if addons:
                    prods[rng.choice(addons)][1] = first_m + rng.randint(1, span)
            c.prods = prods
            if c.archetype == "reactivated":
                g0 = rng.randint(3, M - 4)
                c.gap = (g0, g0 + rng.choice([1, 1, 2]))     # months [g0, g1)

            # usage behaviour
            c.util = max(0.08, min(0.95, 0.15 + 0.75 * c.h + rng.gauss(0, 0.08)))
            c.spu = rng.uniform(1.3, 3.5)
            c.epu = rng.uniform(6.0, 30.0)
            # small teams often have nobody logged in at weekends, large ones rarely
            c.wk_skip = max(0.05, min(0.9, 0.85 - 0.27 * math.log10(c.final_seats)
                                      + rng.uniform(-0.1, 0.1)))
            c.wk_f = rng.uniform(0.1, 0.4)
            c.sp_o = min(c.start_o + 45, c.decl_o, c.drop_o, c.silent_o)

            # renewal date
            if rng.random() < 0.05:
                c.renewal = None
            elif c.churn:
                c.renewal = next_anniversary(c.start, c.churn - dt.timedelta(days=20))
            else:
                c.renewal = next_anniversary(c.start, self.end - dt.timedelta(days=30))

            # survey contacts
            nc = {"smb": 1, "mid": 2, "enterprise": 4}[c.segment] + rng.randint(0, 1)
            cs = []
            for _ in range(nc):
                fn, ln = rng.choice(FIRST), rng.choice(LAST)
                r = rng.random()
                if r < 0.75:
                    cs.append(email_of(fn, ln, c.domain))
                elif r < 0.93:
                    cs.append("%s %s" % (fn, ln))
                else:
                    cs.append("")              # anonymous answers
            c.contacts = sorted(set(cs))

        # --- referrals (~10%): an earlier customer, active when this one signed
        for c in raw:
            c.referred_by = ""
        for c in raw:
            if c.idx < 5 or rng.random() >= 0.10:
                continue
            for _ in range(8):
                r = raw[rng.randrange(c.idx)]
                if r.start_o < c.start_o and r.stop_o > c.start_o:
                    c.referred_by = r.cid
                    break

    # ------------------------------------------------------------- helpers
    def seats_at(self, c, mi):
        s = c.seat_steps[0][1]
        for m_, v in c.seat_steps:
            if m_ <= mi:
                s = v
        return s

    def in_gap(self, c, mi):
        return c.gap is not None and c.gap[0] <= mi < c.gap[1]

    def factor(self, c, o):
        """Activity multiplier at ordinal o (0 = silent), for an active day."""
        if o >= c.silent_o:
            return 0.0
        f = 1.0
        if o < c.start_o + 45:
            f *= 0.35 + 0.65 * (o - c.start_o) / 45.0
        if o >= c.decl_o:
            f *= 1.0 - (1.0 - c.decl_floor) * (o - c.decl_o) / max(1, c.stop_o - c.decl_o)
        if o >= c.drop_o:
            f *= c.drop_f
        return f

    def sentiment(self, c, o):
        s = c.h
        if o >= c.decl_o or o >= c.silent_o:
            s *= 0.45 + 0.55 * self.factor(c, o)
        if o >= c.drop_o:
            s *= 0.8
        return max(0.0, min(1.0, s))

    def active_months(self, c):
        """Window month indices in which the customer is paying and not in a gap."""
        for mi in range(max(0, c.start_m), c.last_m + 1):
            if not self.in_gap(c, mi):
                yield mi

    def day_range(self, c, mi):
        lo = max(self.month_first_o(mi), c.start_o)
        hi = min(self.month_last_o(mi), c.stop_o - 1)
        return lo, hi


# --------------------------------------------------------------------------- writers

def open_csv(outdir, table):
    fh = open(os.path.join(outdir, table + ".csv"), "w", encoding="utf-8", newline="")
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(HEADERS[table])
    return fh, w


def fmt_date(o):
    return dt.date.fromordinal(o).isoformat()


def poisson(rng, lam):
    if lam <= 0:
        return 0
    L, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= L:
            return k
        k += 1


def write_customers(P, outdir):
    fh, w = open_csv(outdir, "customers")
    for c in P.customers:
        w.writerow([c.cid, c.name, c.segment, c.plan, c.owner, c.region, c.seats_shown,
                    c.start.isoformat(), c.renewal.isoformat() if c.renewal else "",
                    c.churn.isoformat() if c.churn else "", c.referred_by])
    fh.close()
    return len(P.customers)


def write_subscriptions(P, outdir):
    fh, w = open_csv(outdir, "subscriptions")
    rows = 0
    for c in P.customers:
        for mi in range(max(0, c.start_m), c.last_m + 1):
            y, m = P.month_list[mi]
            seats = P.seats_at(c, mi)
            core = seats * CORE_PPS[c.plan] * c.discount
            for p in PRODUCTS:
                r = c.prods.get(p)
                if r is None or not (r[0] <= mi < r[1]):
                    continue
                if p == "core":
                    v = core
                elif p == "analytics":
                    v = seats * ANALYTICS_PPS[c.plan] * c.discount
                elif p == "integrations":
                    v = INTEGRATIONS_FLAT[c.segment] * c.discount
                else:
                    v = max(99.0, 0.12 * core)
                if P.in_gap(c, mi):
                    v = 0.0
                w.writerow([c.cid, "%04d-%02d" % (y, m), p, "%.2f" % v])
                rows += 1
    fh.close()
    return rows


def write_usage(P, outdir, usage_days):
    rng = P.rng("usage")
    rnd = rng.random
    end_o = P.end_o
    first_o = P.w0_o
    if usage_days:
        first_o = max(first_o, end_o - usage_days + 1)
    fh = open(os.path.join(outdir, "usage.csv"), "w", encoding="utf-8", newline="")
    fh.write(",".join(HEADERS["usage"]) + "\n")
    cs = P.customers
    rows = 0
    cur_m = None
    base = None
    factor = P.factor
    for o in range(first_o, end_o + 1):
        d = dt.date.fromordinal(o)
        mi = P.month_index(d)
        if mi != cur_m:
            cur_m = mi
            base = [0.0 if P.in_gap(c, mi) else max(1.0, P.seats_at(c, mi) * c.util)
                    for c in cs]
        ds = d.isoformat()
        weekend = d.weekday() >= 5
        out = []
        app = out.append
        for c in cs:
            if o < c.start_o or o >= c.stop_o:
                continue
            b = base[c.idx]
            if b == 0.0:
                continue
            if weekend:
                if rnd() < c.wk_skip:
                    continue
                f = c.wk_f
            else:
                if rnd() < 0.03:
                    continue
                f = 1.0
            if o >= c.sp_o:
                g = factor(c, o)
                if g <= 0.0:
                    continue
                f *= g
            au = int(b * f * (0.8 + 0.4 * rnd()) + 0.5)
            if au > c.final_seats:
                au = c.final_seats
            se = int(au * c.spu * (0.85 + 0.3 * rnd()) + 0.5)
            ev = int(se * c.epu * (0.7 + 0.6 * rnd()) + 0.5)
            app("%s,%s,%d,%d,%d\n" % (c.cid, ds, au, se, ev))
        fh.write("".join(out))
        rows += len(out)
    fh.close()
    return rows


def write_features(P, outdir):
    fh, w = open_csv(outdir, "features")
    for f, k in FEATURES:
        w.writerow([f, "true" if k else "false"])
    fh.close()
    return len(FEATURES)


def write_adoption(P, outdir):
    rng = P.rng("adoption")
    fh, w = open_csv(outdir, "adoption")
    rows = 0
    names = [f for f, _ in FEATURES]
    keyset = {f for f, k in FEATURES if k}
    for c in P.customers:
        k = max(1, min(len(names), int(round(1 + c.h * 9 + rng.gauss(0, 1.2)))))
        pool = sorted(names, key=lambda f: rng.random() * (0.45 if f in keyset else 1.0))
        chosen = pool[:k]
        adopt = {}               # window month from which the feature is in use
        for f in chosen:
            adopt[f] = c.start_m + rng.randint(0, 4) if c.start_m >= 0 else rng.randint(-1, 2)
        intensity = {f: rng.uniform(0.3, 3.0) for f in chosen}
        for mi in P.active_months(c):
            lo, hi = P.day_range(c, mi)
            if lo > hi:
                continue
            recs = []
            for f in names:
                if f not in adopt or adopt[f] > mi or rng.random() < 0.08:
                    continue
                day = rng.randint(lo, hi)
                act = P.factor(c, day)
                if act <= 0.0:
                    continue
                if act < 0.5 and rng.random() > act * 1.6:
                    continue              # features fall out of use as activity fades
                n = P.seats_at(c, mi) * c.util * intensity[f] * act * rng.uniform(0.5, 1.5)
                uses = "" if rng.random() < 0.03 else str(int(n + 0.5))
                recs.append((day, f, uses))
            recs.sort()
            for day, f, uses in recs:
                w.writerow([c.cid, f, fmt_date(day), uses])
                rows += 1
    fh.close()
    return rows


def pick_comment(rng, score_norm):
    if score_norm >= 0.8:
        return rng.choice(COMMENTS_GOOD)
    if score_norm >= 0.6:
        return rng.choice(COMMENTS_MID)
    return rng.choice(COMMENTS_BAD)


def write_surveys(P, outdir):
    rng = P.rng("surveys")
    recs = []
    for c in P.customers:
        if rng.random() < 0.15:
            continue                       # never surveyed
        seen = set()
        months = list(P.active_months(c))

        def add(o, typ, score, resp, comment=""):
            k = (o, typ, resp)
            if k in seen:
                return
            seen.add(k)
            recs.append((o, c.cid, typ, score, resp, comment))

        for mi in months:
            lo, hi = P.day_range(c, mi)
            if lo > hi:
                continue
            y, m = P.month_list[mi]
            # quarterly NPS campaign (Jan/Apr/Jul/Oct), each contact answers with p=0.45
            if m in (1, 4, 7, 10):
                for resp in c.contacts:
                    if rng.random() < 0.45:
                        o = rng.randint(lo, hi)
                        s = P.sentiment(c, o)
                        sc = max(0, min(10, int(round(rng.gauss(2.5 + 7.5 * s, 1.6)))))
                        cm = pick_comment(rng, sc / 10.0) if rng.random() < 0.3 else ""
                        add(o, "nps", sc, resp, cm)
            if rng.random() < 0.25:
                o = rng.randint(lo, hi)
                s = P.sentiment(c, o)
                sc = max(1, min(5, int(round(rng.gauss(1.5 + 3.6 * s, 0.8)))))
                cm = pick_comment(rng, sc / 5.0) if rng.random() < 0.15 else ""
                add(o, "csat", sc, rng.choice(c.contacts), cm)
            if rng.random() < 0.12:
                o = rng.randint(lo, hi)
                s = P.sentiment(c, o)
                sc = max(1, min(7, int(round(rng.gauss(6.0 - 4.5 * s, 1.0)))))
                add(o, "ces", sc, rng.choice(c.contacts))
            pf = {"smb": 0.25, "mid": 0.55, "enterprise": 0.8}[c.segment]
            if rng.random() < pf:
                o = rng.randint(lo, hi)
                s = P.sentiment(c, o)
                sc = max(1, min(5, int(round(rng.gauss(1.2 + 3.8 * s, 0.6)))))
                cm = ""
                if sc <= 2 and rng.random() < 0.5:
                    cm = rng.choice(["Champion left the company.",
                                     "Budget cuts announced; renewal at risk.",
                                     "Exec sponsor unhappy with \"time to value\", escalated.",
                                     "Low engagement, no QBR this quarter."])
                add(o, "feeling", sc, c.owner, cm)
    recs.sort(key=lambda r: (r[0], r[1], r[2], r[4]))
    fh, w = open_csv(outdir, "surveys")
    for o, cid, typ, sc, resp, cm in recs:
        w.writerow([cid, fmt_date(o), typ, sc, resp, cm])
    fh.close()
    return len(recs)


def fmt_ts(style, t):
    if style == 0:
        return t.strftime("%Y-%m-%dT%H:%M:%SZ")
    if style == 1:
        return t.strftime("%Y-%m-%d %H:%M:%S")
    if style == 2:
        return t.strftime("%Y-%m-%dT%H:%MZ")
    return t.strftime("%Y-%m-%d")


def write_tickets(P, outdir):
    rng = P.rng("tickets")
    end_limit = dt.datetime.combine(P.end, dt.time(23, 59, 59))
    seg_rate = {"smb": 0.35, "mid": 0.9, "enterprise": 2.2}
    recs = []
    for c in P.customers:
        for mi in P.active_months(c):
            lo, hi = P.day_range(c, mi)
            if lo > hi:
                continue
            lam = seg_rate[c.segment] * (1.6 - c.h)
            if c.decl_o <= hi:
                lam *= 2.0
            if c.drop_o <= hi:
                lam *= 1.8
            for _ in range(poisson(rng, lam)):
                recs.append((c, rng.randint(lo, hi), None))
        # a few urgent tickets still open at the end date
        if c.churn is None and c.start_o <= P.end_o - 30 and (
                (c.archetype == "drop" and rng.random() < 0.6) or rng.random() < 0.02):
            recs.append((c, P.end_o - rng.randint(0, 10), "urgent_open"))
    out = []
    for c, o, forced in recs:
        d = dt.date.fromordinal(o)
        hour = min(23, max(0, int(rng.gauss(13, 4))))
        opened = dt.datetime(d.year, d.month, d.day, hour, rng.randrange(60),
                             rng.choice([0, 0, 0, rng.randrange(60)]))
        r = rng.random()
        style = 0 if r < 0.7 else 1 if r < 0.85 else 2 if r < 0.9 else 3
        if style >= 2:
            opened = opened.replace(second=0)
        if style == 3:
            opened = opened.replace(hour=0, minute=0)
        if forced:
            prio = "urgent"
        else:
            prio = weighted(rng, [("low", 25), ("normal", 50), ("high", 18), ("urgent", 7)])
        fr_h = {"low": 20, "normal": 8, "high": 2, "urgent": 0.5}[prio] * rng.lognormvariate(0, 0.8)
        res_h = {"low": 90, "normal": 36, "high": 14, "urgent": 6}[prio] * rng.lognormvariate(0, 0.9) \
            * (1.6 - c.h)
        res_h = max(res_h, fr_h + 0.2)
        first = opened + dt.timedelta(hours=fr_h)
        resolved = opened + dt.timedelta(hours=res_h)
        status = "solved"
        if forced:
            status = "open"
        elif rng.random() < 0.06:
            status = "abandoned"
        elif resolved > end_limit:
            status = "open"
        if first > end_limit or (forced and rng.random() < 0.3):
            first = None
        if style == 3:
            if first is not None:
                first = dt.datetime.combine(first.date(), dt.time())
            resolved = dt.datetime.combine(resolved.date(), dt.time())
        cr = rng.random()
        contacts = 1 if cr < 0.68 else 2 if cr < 0.84 else 3 if cr < 0.92 else 4 if cr < 0.97 else 5
        if status == "solved" and contacts == 1 and res_h > 72 and rng.random() < 0.5:
            contacts = 2
        csat = ""
        if status == "solved" and rng.random() < 0.35:
            csat = str(max(1, min(5, int(round(rng.gauss(1.8 + 3.2 * c.h - res_h / 200.0, 0.8))))))
        out.append((opened, c.cid, style, first, resolved if status == "solved" else None,
                    status, prio, contacts, csat))
    out.sort(key=lambda t: (t[0], t[1]))
    width = max(6, len(str(len(out))))
    fh, w = open_csv(outdir, "tickets")
    for i, (opened, cid, style, first, resolved, status, prio, contacts, csat) in enumerate(out):
        w.writerow(["T%0*d" % (width, i + 1), cid, fmt_ts(style, opened),
                    fmt_ts(style, first) if first else "",
                    fmt_ts(style, resolved) if resolved else "",
                    status, prio, contacts, csat])
    fh.close()
    return len(out)


def write_engagement(P, outdir):
    rng = P.rng("engagement")
    recs = {}
    for c in P.customers:
        big = c.segment != "smb"
        for mi in P.active_months(c):
            lo, hi = P.day_range(c, mi)
            if lo > hi:
                continue
            y, m = P.month_list[mi]
            mid_o = (lo + hi) // 2
            act = P.factor(c, mid_o)
            e = c.h * (0.3 + 0.7 * act)
            plan = [
                ("webinar", 0.35 * e, (1, 4)),
                ("event", 0.06 + 0.05 * big, (1, 3)),
                ("community", 0.35 * e, (1, 12)),
                ("training", 0.12 * e + 0.15 * (mi - c.start_m < 2), (1, 15)),
                ("meeting", (0.7 if big else 0.25) * (0.4 + 0.6 * act), (1, 2)),
            ]
            if big and m in (1, 4, 7, 10) and act > 0:
                plan.append(("qbr", 0.85 if c.segment == "enterprise" else 0.5, (1, 1)))
            for kind, p, (a, b) in plan:
                if rng.random() >= p:
                    continue
                o = rng.randint(lo, hi)
                if o >= c.silent_o and kind != "meeting":
                    continue
                k = (o, c.cid, kind)
                n = rng.randint(a, b)
                if k in recs:
                    prev = recs[k]
                    recs[k] = str((int(prev) if prev else 1) + n)
                else:
                    recs[k] = "" if rng.random() < 0.05 else str(n)
    fh, w = open_csv(outdir, "engagement")
    for (o, cid, kind) in sorted(recs):
        w.writerow([cid, fmt_date(o), kind, recs[(o, cid, kind)]])
    fh.close()
    return len(recs)


def write_spend(P, outdir):
    rng = P.rng("spend")
    scale = P.n / 200.0
    base = {"ads": 14000.0, "events": 6000.0, "content": 3500.0, "sdr": 9000.0}
    fh, w = open_csv(outdir, "spend")
    rows = 0
    for mi, (y, m) in enumerate(P.month_list):
        for ch in ["ads", "events", "content", "sdr"]:
            v = base[ch] * scale * rng.uniform(0.75, 1.25) * (1 + 0.01 * mi)
            if ch == "events" and m in (6, 11):
                v *= 2.5                       # conference season
            if ch == "events" and rng.random() < 0.15:
                v = 0.0
            w.writerow(["%04d-%02d" % (y, m), ch, "%.2f" % v])
            rows += 1
    fh.close()
    return rows


# --------------------------------------------------------------------------- main

def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Generate a deterministic synthetic SaaS customer portfolio "
                    "(the nine Vitals input tables) as CSV files.")
    ap.add_argument("--out", required=True, metavar="DIR", help="output directory (created)")
    ap.add_argument("--customers", type=int, default=200, metavar="N")
    ap.add_argument("--months", type=int, default=15, metavar="M",
                    help="calendar months in the window, ending with --end's month")
    ap.add_argument("--end", type=parse_date, default=dt.date(2026, 10, 31),
                    metavar="YYYY-MM-DD", help="last day of data (default 2026-10-31)")
    ap.add_argument("--seed", type=int, default=42, metavar="S")
    ap.add_argument("--only", metavar="TABLE[,TABLE]",
                    help="write only these tables (%s)" % ",".join(TABLES))
    ap.add_argument("--usage-days", type=int, default=0, metavar="D",
                    help="usage only for the last D days (default: the whole window)")
    a = ap.parse_args(argv)
    if a.customers < 1 or a.months < 1 or a.usage_days < 0:
        ap.error("--customers and --months must be >= 1, --usage-days >= 0")
    tables = TABLES
    if a.only:
        tables = [t.strip() for t in a.only.split(",") if t.strip()]
        bad = [t for t in tables if t not in TABLES]
        if bad or not tables:
            ap.error("--only: unknown table(s) %s; choose from %s" % (",".join(bad), ",".join(TABLES)))
    os.makedirs(a.out, exist_ok=True)
    t0 = time.time()
    P = Portfolio(a.customers, a.months, a.end, a.seed)
    window_days = P.end_o - P.w0_o + 1
    if a.usage_days > window_days:
        print("gen_portfolio: --usage-days %d exceeds the %d-day window; using the window"
              % (a.usage_days, window_days), file=sys.stderr)
    print("gen_portfolio: %d customers, window %s .. %s, seed %d"
          % (a.customers, P.w0.isoformat(), P.end.isoformat(), a.seed), file=sys.stderr)
    for t in TABLES:
        if t not in tables:
            continue
        t1 = time.time()
        if t == "usage":
            n = write_usage(P, a.out, a.usage_days)
        else:
            n = globals()["write_" + t](P, a.out)
        print("  %-14s %9d rows  %6.1fs" % (t + ".csv", n, time.time() - t1), file=sys.stderr)
    print("gen_portfolio: done in %.1fs" % (time.time() - t0), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
