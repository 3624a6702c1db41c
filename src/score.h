/*
 * score.h - private helpers shared by the run (score.c), overrides
 * (override.c), explain (explain.c) and export (export.c).
 */
#ifndef VITALS_SCORE_H
#define VITALS_SCORE_H

#include "vitals.h"

/* (override.c) The overrides that a run as of some date honours, sorted by
 * customer_id. */
typedef struct vt_active_overrides vt_active_overrides;

/* Read the overrides active at as_of (until NULL or until >= as_of). */
vt_status vt_overrides_load_active(sqlite3 *db, vt_day as_of, vt_active_overrides **out,
                                   vt_error *err);
/* The override of customer_id, or NULL.  Strings are owned by the set. */
const vt_override *vt_overrides_find(const vt_active_overrides *set, const char *customer_id);
void vt_overrides_free(vt_active_overrides *set);

/* The current time as ISO 8601 UTC, "YYYY-MM-DDTHH:MM:SSZ". */
void vt_utc_now(char buf[21]);

/* (explain.c) run_id itself when it names a stored run, the latest run when
 * run_id is 0; fills as_of (11 bytes).  VT_EINPUT when there is no such run (or no
 * run at all), VT_EINTERNAL on database error. */
vt_status vt_resolve_run(sqlite3 *db, long long run_id, long long *out, char as_of[11],
                         vt_error *err);

/* The customer's previous score (SPEC §3 score_prev): the score in the latest
 * complete run with an as-of date before this one (ties: the newest run) in
 * which the customer has a score, as indicators.c computes score_prev.
 * Expands to a FROM ... LIMIT 1 tail over scores p and runs pr; cust and
 * as_of are SQL expressions (parameters or columns). */
#define VT_PREV_SCORE_FROM(cust, as_of)                                        \
    " FROM scores p JOIN runs pr ON pr.run_id = p.run_id"                     \
    " WHERE p.customer_id = " cust " AND pr.as_of < " as_of                   \
    " AND pr.finished_at IS NOT NULL AND p.score IS NOT NULL"                 \
    " ORDER BY pr.as_of DESC, p.run_id DESC LIMIT 1"

/* A customer's flags as text, "severity: reason; severity: reason" in stored
 * order (most severe first), "" without flags: a scalar SQL expression over
 * the flags JSON array `flags`. */
#define VT_FLAGS_TEXT_SQL(flags)                                               \
    "(SELECT coalesce(group_concat(coalesce(f.value ->> 'severity', '')"      \
    " || ': ' || coalesce(f.value ->> 'reason', f.value ->> 'name', ''), '; '), '')" \
    " FROM json_each(" flags ") f)"

#endif /* VITALS_SCORE_H */
