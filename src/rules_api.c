/*
 * rules_api.c - the rule language (SPEC §5), registered as built-ins of
 * the sandbox, and the validation of each declaration as it is made
 * (references between declarations are resolved by rules.c afterwards).
 *
 *   bands { NAME = FLOOR, ... }                   lower bounds, 0..100; one must be 0
 *   measure "NAME" { weight, value, scale, missing, group }
 *   flag "NAME" { when, reason, severity, force_band }
 *   indicator "NAME" [[ SELECT customer_id, value ... ]]
 *   scorecard "NAME" { when, weights = { MEASURE = W, ... } }
 *   linear(lo, hi), inverse(lo, hi), steps { {threshold, score}, ... }
 *
 * The accepted keys of each declaration are the *_keys arrays below.  A
 * declaration that is wrong is recorded as a problem at the FILE:LINE of
 * its name and skipped; the top level goes on so that one load reports
 * every problem.  Declaring is only possible while the top level runs.
 *
 * Each body is read in two phases: first every Lua operation (which may
 * raise, e.g. on memory), then the C allocations, so that a raised error
 * never leaks C memory.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

#define SCALE_TYPE "vitals.scale"
#define WEIGHT_MAX 1e6   /* sums of weights * scores stay far from overflow */

static const char *const measure_keys[] = {"weight", "value", "scale", "missing", "group", NULL};
static const char *const flag_keys[] = {"when", "reason", "severity", "force_band", NULL};
static const char *const scorecard_keys[] = {"when", "weights", NULL};

/* The value of linear/inverse/steps: a userdata of this layout. */
typedef struct scale_object {
    int broken;              /* a problem was recorded where it was built */
    vt_scale_kind kind;
    double lo, hi;
    int n_steps;
    vt_step steps[];
} scale_object;

static vt_rules *rules_of(lua_State *L)
{
    return lua_touserdata(L, lua_upvalueindex(1));
}

static int count_of(const char *const *list)
{
    int n = 0;
    while (list[n])
        n++;
    return n;
}

/* Is name a plain identifier ([A-Za-z_][A-Za-z0-9_]*)? */
static int is_identifier(const char *name)
{
    if (!(name[0] == '_' || (name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
        return 0;
    for (const char *p = name + 1; *p; p++)
        if (!(*p == '_' || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9')))
            return 0;
    return 1;
}

/* Is s a usable display name: 1..max bytes, no control characters? */
static int is_name(const char *s, size_t len, size_t max)
{
    if (len == 0 || len > max || strlen(s) != len)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return 0;
    return 1;
}

/* Refuse declarations once the file has loaded: the engine's arrays must
 * not change while customers are scored. */
static void check_top_level(lua_State *L, vt_rules *r, const char *kind)
{
    if (r->sealed)
        vt_sandbox_error(L, "%s: declarations belong at the top level of the rule file", kind);
}

/* ------------------------------------------------------------ declarations */

/* The body of a declaration whose name was refused: accept and ignore it. */
static int ignore_body(lua_State *L)
{
    (void)L;
    return 0;
}

static int declared_line(const vt_rules *r, const char *kind, const char *name)
{
    for (int i = 0; i < r->n_pending; i++)
        if (strcmp(r->pending[i].kind, kind) == 0 && strcmp(r->pending[i].name, name) == 0)
            return r->pending[i].line;
    return 0;
}

/* measure "name" / flag "name" / ...: check the name, remember the
 * declaration and return its body function. */
static int declare(lua_State *L, const char *kind, lua_CFunction body, int identifier)
{
    vt_rules *r = rules_of(L);
    check_top_level(L, r, kind);
    int line = vt_sandbox_line(L);
    size_t len = 0;
    const char *name = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len) : NULL;
    const char *why = NULL;
    if (!name)
        why = "needs a name";
    else if (!is_name(name, len, RULE_NAME_MAX))
        why = "name must be 1 to 63 characters, without control characters";
    else if (identifier && !is_identifier(name))
        why = "name must be an identifier (letters, digits and _, not starting with a digit)";
    if (why || declared_line(r, kind, name)) {
        if (why)
            rules_problem(r, line, "%s %s: write %s \"name\" { ... }", kind, why, kind);
        else
            rules_problem(r, line, "%s \"%s\" is already declared on line %d", kind, name,
                          declared_line(r, kind, name));
        lua_pushcfunction(L, ignore_body);
        return 1;
    }
    lua_pushlightuserdata(L, r);
    lua_pushinteger(L, r->n_pending);
    lua_pushcclosure(L, body, 2);
    char *copy = strdup(name);
    if (!copy || vt_reserve((void **)&r->pending, &r->cap_pending, r->n_pending,
                               sizeof *r->pending)) {
        free(copy);
        return vt_sandbox_error(L, "out of memory");
    }
    r->pending[r->n_pending++] = (rule_pending){kind, copy, line, 0};
    return 1;
}

/* The declaration a body closure belongs to, marked as given; NULL (and a
 * problem) when the same closure already gave it a body. */
static rule_pending *body_of(lua_State *L, vt_rules *r)
{
    rule_pending *p = &r->pending[lua_tointeger(L, lua_upvalueindex(2))];
    check_top_level(L, r, p->kind);
    if (p->done) {
        rules_problem(r, vt_sandbox_line(L), "%s \"%s\" already has a body (line %d)", p->kind,
                      p->name, p->line);
        return NULL;
    }
    p->done = 1;
    return p;
}

/* Unknown keys of the body table at index 1; returns how many problems. */
static int check_keys(lua_State *L, vt_rules *r, const rule_pending *p, const char *const *keys)
{
    int bad = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING) {
            bad++;
            rules_problem(r, p->line, "%s \"%s\": unexpected entry (a %s key); write key = value",
                          p->kind, p->name, luaL_typename(L, -1));
            continue;
        }
        const char *key = lua_tostring(L, -1);
        int known = 0;
        for (int i = 0; keys[i]; i++)
            known |= strcmp(key, keys[i]) == 0;
        if (!known) {
            const char *near = vt_nearest_name(key, keys, count_of(keys));
            bad++;
            rules_problem(r, p->line, "%s \"%s\": unknown key '%s'%s%s%s", p->kind, p->name, key,
                          near ? "; did you mean " : "", near ? near : "", near ? "?" : "");
        }
    }
    return bad;
}

/* Push body[key] (raw) and return its type. */
static int field(lua_State *L, const char *key)
{
    lua_pushstring(L, key);
    return lua_rawget(L, 1);
}

/* Pop the value at the top: a registry reference when it is a function,
 * else LUA_NOREF. */
static int function_ref(lua_State *L)
{
    if (lua_type(L, -1) != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return LUA_NOREF;
    }
    return luaL_ref(L, LUA_REGISTRYINDEX);
}

static int body_table(lua_State *L, vt_rules *r, const rule_pending *p)
{
    if (lua_type(L, 1) == LUA_TTABLE)
        return 1;
    rules_problem(r, p->line, "%s \"%s\": expected { ... } after the name", p->kind, p->name);
    return 0;
}

static int api_measure_body(lua_State *L)
{
    vt_rules *r = rules_of(L);
    rule_pending *p = body_of(L, r);
    if (!p || !body_table(L, r, p))
        return 0;
    int bad = check_keys(L, r, p, measure_keys);
    /* phase 1: Lua */
    int weight_type = field(L, "weight");
    double weight = lua_tonumber(L, -1);
    int value_type = field(L, "value");
    const char *indicator = value_type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    int value_ref = LUA_NOREF;
    if (value_type == LUA_TFUNCTION) {
        lua_pushvalue(L, -1);
        value_ref = function_ref(L);
    }
    int scale_type = field(L, "scale");
    const scale_object *scale = luaL_testudata(L, -1, SCALE_TYPE);
    int missing_type = field(L, "missing");
    double missing = lua_tonumber(L, -1);
    int group_type = field(L, "group");
    size_t group_len = 0;
    const char *group = group_type == LUA_TSTRING ? lua_tolstring(L, -1, &group_len) : NULL;
    /* phase 2: C */
    const char *name = p->name;
    if (weight_type == LUA_TNIL)
        bad += rules_problem(r, p->line, "measure \"%s\": weight is required (a positive number)", name);
    else if (weight_type != LUA_TNUMBER || !(weight > 0 && weight <= WEIGHT_MAX))
        bad += rules_problem(r, p->line, "measure \"%s\": weight must be a positive number "
                             "(at most 1000000)", name);
    if (value_type == LUA_TNIL)
        bad += rules_problem(r, p->line, "measure \"%s\": value is required: an indicator name "
                              "such as \"seat_utilization\" or a function(c)", name);
    else if (!(value_type == LUA_TFUNCTION || (indicator && is_identifier(indicator))))
        bad += rules_problem(r, p->line, "measure \"%s\": value must be an indicator name or a "
                              "function(c)", name);
    if (scale_type != LUA_TNIL && !scale)
        bad += rules_problem(r, p->line, "measure \"%s\": scale must be linear(lo, hi), "
                              "inverse(lo, hi) or steps{...}", name);
    else if (scale && scale->broken)
        bad++;
    if (missing_type != LUA_TNIL && (missing_type != LUA_TNUMBER || !vt_is_score(missing)))
        bad += rules_problem(r, p->line, "measure \"%s\": missing must be a score from 0 to 100 "
                              "(the score used when the value is nil)", name);
    if (group_type != LUA_TNIL && !(group && is_name(group, group_len, RULE_NAME_MAX)))
        bad += rules_problem(r, p->line, "measure \"%s\": group must be a short name", name);
    if (bad) {
        luaL_unref(L, LUA_REGISTRYINDEX, value_ref);
        return 0;
    }
    rule_measure m = {.name = strdup(name), .line = p->line, .weight = weight, .column = -1,
                      .value_ref = value_ref, .has_missing = missing_type == LUA_TNUMBER,
                      .missing = missing};
    m.group = group ? strdup(group) : NULL;
    m.indicator = indicator ? strdup(indicator) : NULL;
    if (scale) {
        m.scale = (vt_scale){scale->kind, scale->lo, scale->hi, NULL, scale->n_steps};
        if (scale->n_steps > 0 && (m.steps = malloc((size_t)scale->n_steps * sizeof *m.steps)))
            memcpy(m.steps, scale->steps, (size_t)scale->n_steps * sizeof *m.steps);
        m.scale.steps = m.steps;
    }
    if (!m.name || (group && !m.group) || (indicator && !m.indicator) ||
        (scale && scale->n_steps > 0 && !m.steps) ||
        vt_reserve((void **)&r->measures, &r->cap_measures, r->n_measures, sizeof *r->measures)) {
        free(m.name);
        free(m.group);
        free(m.indicator);
        free(m.steps);
        return vt_sandbox_error(L, "out of memory");
    }
    r->measures[r->n_measures++] = m;
    return 0;
}

static int api_flag_body(lua_State *L)
{
    vt_rules *r = rules_of(L);
    rule_pending *p = body_of(L, r);
    if (!p || !body_table(L, r, p))
        return 0;
    int bad = check_keys(L, r, p, flag_keys);
    /* phase 1: Lua */
    int when_type = field(L, "when");
    int when_ref = function_ref(L);
    int reason_type = field(L, "reason");
    const char *reason_text = reason_type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    int reason_ref = LUA_NOREF;
    if (reason_type == LUA_TFUNCTION) {
        lua_pushvalue(L, -1);
        reason_ref = function_ref(L);
    }
    int severity_type = field(L, "severity");
    const char *severity = severity_type == LUA_TSTRING ? lua_tostring(L, -1) : "medium";
    int band_type = field(L, "force_band");
    const char *band = band_type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    /* phase 2: C */
    const char *name = p->name;
    if (when_type != LUA_TFUNCTION)
        bad += rules_problem(r, p->line, "flag \"%s\": when must be a function(c, s)", name);
    if (reason_type != LUA_TNIL && !reason_text && reason_ref == LUA_NOREF)
        bad += rules_problem(r, p->line, "flag \"%s\": reason must be a string or a "
                              "function(c, s) returning one", name);
    int sev = -1;
    for (int i = 0; i <= SEVERITY_CRITICAL && (severity_type == LUA_TNIL ||
                                               severity_type == LUA_TSTRING); i++)
        if (strcmp(severity, rule_severity_names[i]) == 0)
            sev = i;
    if (sev < 0)
        bad += rules_problem(r, p->line, "flag \"%s\": severity must be one of low, medium, "
                              "high, critical", name);
    if (band_type != LUA_TNIL && !band)
        bad += rules_problem(r, p->line, "flag \"%s\": force_band must be a band name", name);
    if (bad) {
        luaL_unref(L, LUA_REGISTRYINDEX, when_ref);
        luaL_unref(L, LUA_REGISTRYINDEX, reason_ref);
        return 0;
    }
    rule_flag f = {.name = strdup(name), .line = p->line, .severity = (rule_severity)sev,
                   .when_ref = when_ref, .reason_ref = reason_ref, .force_band = -1};
    f.reason_text = reason_text ? strdup(reason_text) : NULL;
    f.force_band_name = band ? strdup(band) : NULL;
    if (!f.name || (reason_text && !f.reason_text) || (band && !f.force_band_name) ||
        vt_reserve((void **)&r->flags, &r->cap_flags, r->n_flags, sizeof *r->flags)) {
        free(f.name);
        free(f.reason_text);
        free(f.force_band_name);
        return vt_sandbox_error(L, "out of memory");
    }
    r->flags[r->n_flags++] = f;
    return 0;
}

static int is_builtin_indicator(const char *name)
{
    for (const char *const *n = vt_builtin_indicator_names(); *n; n++)
        if (strcmp(*n, name) == 0)
            return 1;
    return strcmp(name, "customer_id") == 0;
}

static int api_indicator_body(lua_State *L)
{
    vt_rules *r = rules_of(L);
    rule_pending *p = body_of(L, r);
    if (!p)
        return 0;
    size_t len = 0;
    const char *sql = lua_type(L, 1) == LUA_TSTRING ? lua_tolstring(L, 1, &len) : NULL;
    if (!sql || len == 0 || strlen(sql) != len)
        return rules_problem(r, p->line, "indicator \"%s\": expected its SQL after the name: "
                             "indicator \"%s\" [[ SELECT customer_id, ... ]]", p->name, p->name), 0;
    if (is_builtin_indicator(p->name))
        return rules_problem(r, p->line, "indicator \"%s\": a built-in indicator has this name",
                             p->name), 0;
    rule_indicator ind = {strdup(p->name), p->line, strdup(sql)};
    if (!ind.name || !ind.sql ||
        vt_reserve((void **)&r->indicators, &r->cap_indicators, r->n_indicators,
                      sizeof *r->indicators)) {
        free(ind.name);
        free(ind.sql);
        return vt_sandbox_error(L, "out of memory");
    }
    r->indicators[r->n_indicators++] = ind;
    return 0;
}

static int api_scorecard_body(lua_State *L)
{
    vt_rules *r = rules_of(L);
    rule_pending *p = body_of(L, r);
    if (!p || !body_table(L, r, p))
        return 0;
    int bad = check_keys(L, r, p, scorecard_keys);
    /* phase 1: Lua */
    int when_type = field(L, "when");
    int when_ref = function_ref(L);
    int weights_type = field(L, "weights");   /* stays at the top */
    /* phase 2: C (lua_next over a table raises nothing) */
    if (when_type != LUA_TFUNCTION)
        bad += rules_problem(r, p->line, "scorecard \"%s\": when must be a function(c)", p->name);
    if (weights_type != LUA_TTABLE) {
        luaL_unref(L, LUA_REGISTRYINDEX, when_ref);
        return rules_problem(r, p->line, "scorecard \"%s\": weights must be a table "
                             "{ measure = weight, ... }", p->name), 0;
    }
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        lua_pop(L, 1);
        n++;
    }
    rule_weight *listed = calloc(n > 0 ? (size_t)n : 1, sizeof *listed);
    if (!listed)
        return vt_sandbox_error(L, "out of memory");
    int k = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        double w = lua_tonumber(L, -1);
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TNUMBER ||
            !(w >= 0 && w <= WEIGHT_MAX))
            bad += rules_problem(r, p->line, "scorecard \"%s\": weights must map measure names "
                                 "to numbers from 0 to 1000000", p->name);
        else if ((listed[k].measure = strdup(lua_tostring(L, -2))) != NULL)
            listed[k++].weight = w;
        else
            bad += rules_problem(r, p->line, "scorecard \"%s\": out of memory", p->name);
        lua_pop(L, 1);
    }
    rule_scorecard sc = {strdup(p->name), p->line, when_ref, listed, k, NULL};
    if (bad || !sc.name ||
        vt_reserve((void **)&r->scorecards, &r->cap_scorecards, r->n_scorecards,
                      sizeof *r->scorecards)) {
        for (int i = 0; i < k; i++)
            free(listed[i].measure);
        free(listed);
        free(sc.name);
        luaL_unref(L, LUA_REGISTRYINDEX, when_ref);
        return bad ? 0 : vt_sandbox_error(L, "out of memory");
    }
    r->scorecards[r->n_scorecards++] = sc;
    return 0;
}

static int api_measure(lua_State *L) { return declare(L, "measure", api_measure_body, 0); }
static int api_flag(lua_State *L) { return declare(L, "flag", api_flag_body, 0); }
static int api_indicator(lua_State *L) { return declare(L, "indicator", api_indicator_body, 1); }
static int api_scorecard(lua_State *L) { return declare(L, "scorecard", api_scorecard_body, 0); }

static int compare_floor(const void *a, const void *b)
{
    double x = ((const rule_band *)a)->floor, y = ((const rule_band *)b)->floor;
    return (x > y) - (x < y);
}

static int api_bands(lua_State *L)
{
    vt_rules *r = rules_of(L);
    check_top_level(L, r, "bands");
    int line = vt_sandbox_line(L);
    if (r->bands_line)
        return rules_problem(r, line, "bands are already declared on line %d", r->bands_line), 0;
    r->bands_line = line;
    if (lua_type(L, 1) != LUA_TTABLE)
        return rules_problem(r, line, "bands: write bands { red = 0, yellow = 50, green = 75 }"), 0;
    int n = 0, bad = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        n++;
    }
    rule_band *bands = calloc(n > 0 ? (size_t)n : 1, sizeof *bands);
    if (!bands)
        return vt_sandbox_error(L, "out of memory");
    int k = 0;
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        size_t len = 0;
        const char *name = lua_type(L, -2) == LUA_TSTRING ? lua_tolstring(L, -2, &len) : NULL;
        double floor = lua_tonumber(L, -1);
        if (!name || strlen(name) != len || !vt_band_name_valid(name))
            bad += rules_problem(r, line, "bands: band names are lowercase letters and _ "
                                 "(red, at_risk), at most 31");
        else if (lua_type(L, -1) != LUA_TNUMBER || !vt_is_score(floor))
            bad += rules_problem(r, line, "bands: the lower bound of %s must be a number from "
                                  "0 to 100", name);
        else {
            memcpy(bands[k].name, name, len + 1);
            bands[k++].floor = floor;
        }
        lua_pop(L, 1);
    }
    qsort(bands, (size_t)k, sizeof *bands, compare_floor);
    if (!bad && k == 0)
        bad += rules_problem(r, line, "bands: declare at least one band");
    else if (!bad && bands[0].floor != 0)
        bad += rules_problem(r, line, "bands: the lowest band (%s) must start at 0 so that "
                              "every score has a band", bands[0].name);
    for (int i = 1; i < k && !bad; i++)
        if (bands[i].floor == bands[i - 1].floor)
            bad += rules_problem(r, line, "bands: %s and %s have the same lower bound",
                                  bands[i - 1].name, bands[i].name);
    if (bad) {
        free(bands);
        return 0;
    }
    r->bands = bands;
    r->n_bands = k;
    return 0;
}

/* ------------------------------------------------------------ scales */

static scale_object *new_scale(lua_State *L, vt_scale_kind kind, int n_steps)
{
    scale_object *s = lua_newuserdatauv(L, sizeof *s + (size_t)n_steps * sizeof(vt_step), 0);
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->n_steps = n_steps;
    luaL_setmetatable(L, SCALE_TYPE);
    return s;
}

/* Record a scale's problem at the line that built it; the measure using
 * it is then skipped without a second message. */
static void check_scale(lua_State *L, scale_object *s, const char *usage)
{
    vt_scale view = {s->kind, s->lo, s->hi, s->steps, s->n_steps};
    const char *problem = vt_scale_problem(&view);
    if (problem || usage) {
        s->broken = 1;
        rules_problem(rules_of(L), vt_sandbox_line(L), "%s", usage ? usage : problem);
    }
}

static int make_bounds(lua_State *L, vt_scale_kind kind, const char *usage)
{
    lua_settop(L, 2);
    int ok = lua_type(L, 1) == LUA_TNUMBER && lua_type(L, 2) == LUA_TNUMBER;
    scale_object *s = new_scale(L, kind, 0);
    s->lo = lua_tonumber(L, 1);
    s->hi = lua_tonumber(L, 2);
    check_scale(L, s, ok ? NULL : usage);
    return 1;
}

static int api_linear(lua_State *L)
{
    return make_bounds(L, VT_SCALE_LINEAR, "linear(lo, hi) needs two numbers: lo scores 0, hi 100");
}

static int api_inverse(lua_State *L)
{
    return make_bounds(L, VT_SCALE_INVERSE, "inverse(lo, hi) needs two numbers: lo scores 100, "
                       "hi 0");
}

static int api_steps(lua_State *L)
{
    static const char usage[] = "steps needs a list of {threshold, score} pairs: "
                                "steps { {0, 0}, {7, 60}, {9, 100} }";
    lua_settop(L, 1);
    int ok = lua_type(L, 1) == LUA_TTABLE;
    lua_Unsigned n = ok ? lua_rawlen(L, 1) : 0;
    if (n > 1000) {   /* a scale, not a data set */
        n = 0;
        ok = 0;
    }
    scale_object *s = new_scale(L, VT_SCALE_STEPS, (int)n);
    for (int i = 0; i < (int)n; i++) {
        int pair = lua_rawgeti(L, 1, i + 1) == LUA_TTABLE;
        if (pair && lua_rawlen(L, -1) == 2 && lua_rawgeti(L, -1, 1) == LUA_TNUMBER &&
            lua_rawgeti(L, -2, 2) == LUA_TNUMBER) {
            s->steps[i].threshold = lua_tonumber(L, -2);
            s->steps[i].score = lua_tonumber(L, -1);
        } else {
            ok = 0;
        }
        lua_settop(L, 2);
    }
    check_scale(L, s, ok ? NULL : usage);
    return 1;
}

/* ------------------------------------------------------------ registration */

static const luaL_Reg api_functions[] = {
    {"bands", api_bands},
    {"measure", api_measure},
    {"flag", api_flag},
    {"indicator", api_indicator},
    {"scorecard", api_scorecard},
    {"linear", api_linear},
    {"inverse", api_inverse},
    {"steps", api_steps},
    {NULL, NULL},
};

static int create_scale_type(lua_State *L)
{
    luaL_newmetatable(L, SCALE_TYPE);
    lua_pushliteral(L, "protected");
    lua_setfield(L, -2, "__metatable");
    return 0;
}

vt_status rules_api_define(vt_rules *r, vt_error *err)
{
    vt_status st = vt_sandbox_protected(r->sb, create_scale_type, NULL, err);
    return st == VT_OK ? vt_sandbox_define(r->sb, api_functions, r, err) : st;
}
