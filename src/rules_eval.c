/*
 * rules_eval.c - scoring one customer.  vt_rules_bind prepares a rule file
 * for an indicator table; vt_rules_eval then scores a row: the first
 * scorecard whose when(c) holds, each measure's value and 0-100 score, the
 * weighted mean (scale.c), the band, score_change, the flags and the band
 * they force.
 *
 * Fast path: everything Lua needs is built once per bind.  The context c
 * and the summary s are userdata whose __index reads C arrays through
 * lookup tables of pre-interned keys; callbacks are registry references;
 * the message handler, c and s sit at fixed stack slots and the stack goes
 * back to EVAL_TOP after every customer.  Per customer, Lua allocates only
 * what rule functions themselves create.
 *
 * A customer that fails (a rule error, the time limit, a non-number value,
 * no measure with data) gets res->error and VT_EPARTIAL; the state is
 * reset, so the next customer is scored as if nothing had happened.
 *
 * No data: when every measure's value is nil and none of them has a
 * `missing` default, there is nothing to average.  Such a customer is not
 * given 0 (nil is not zero: SPEC §3, and a 0 would put a brand-new customer
 * on the at-risk list); it fails with "no measure had data", which is
 * stored with its run and tells the rule author to add `missing` defaults.
 * A customer scored only from `missing` defaults gets a score with
 * coverage 0, which says how little it rests on.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

#define SLOT_C 2
#define SLOT_S 3
#define EVAL_TOP 3

/* c keys that are not columns of the bound table */
#define KEY_CUSTOMER_ID (-1)
#define KEY_SCORE_CHANGE (-2)

/* Fields of s and of s.measures[name]; position + 1 is the lookup value. */
enum { S_SCORE = 1, S_BAND, S_COVERAGE, S_SCORE_CHANGE, S_SCORECARD, S_MEASURES };
static const char *const s_fields[] = {
    "score", "band", "coverage", "score_change", "scorecard", "measures", NULL,
};
enum { M_VALUE = 1, M_SCORE, M_WEIGHT, M_USED, M_MISSING, M_CONTRIBUTION };
static const char *const measure_fields[] = {
    "value", "score", "weight", "used", "missing", "contribution", NULL,
};

typedef struct measure_view {
    vt_rules *r;
    int index;
} measure_view;

static int count_names(const char *const *names)
{
    int n = 0;
    while (names[n])
        n++;
    return n;
}

/* Raise "WHAT.KEY: no such THING; did you mean X?" (names: candidates). */
static int no_such(lua_State *L, const char *what, const char *thing, const char *const *names,
                   int n)
{
    if (lua_type(L, 2) != LUA_TSTRING)
        return vt_sandbox_error(L, "%s[...]: %s names are strings, not %s values", what, thing,
                                luaL_typename(L, 2));
    const char *key = lua_tostring(L, 2);
    const char *near = vt_nearest_name(key, names, n);
    if (near)
        return vt_sandbox_error(L, "%s.%s: no such %s; did you mean %s?", what, key, thing, near);
    return vt_sandbox_error(L, "%s.%s: no such %s", what, key, thing);
}

static int read_only(lua_State *L)
{
    return vt_sandbox_error(L, "%s is read-only", lua_tostring(L, lua_upvalueindex(1)));
}

/* ------------------------------------------------------------ c */

static void push_value(lua_State *L, const vt_value *v)
{
    switch (v->type) {
    case VT_INT:
        lua_pushinteger(L, (lua_Integer)v->u.i);
        break;
    case VT_REAL:
        lua_pushnumber(L, v->u.r);
        break;
    case VT_TEXT:
        lua_pushstring(L, v->u.s);
        break;
    case VT_NIL:
        lua_pushnil(L);
        break;
    }
}

static int unknown_indicator(lua_State *L, vt_rules *r)
{
    const vt_indicators *ind = r->bound;
    int cols = vt_indicators_columns(ind);
    const char **names = malloc(((size_t)cols + 2) * sizeof *names);
    char near[RULE_NAME_MAX + 2] = "";
    if (names && lua_type(L, 2) == LUA_TSTRING) {
        for (int i = 0; i < cols; i++)
            names[i] = vt_indicators_name(ind, i);
        names[cols] = "customer_id";
        names[cols + 1] = "score_change";
        const char *found = vt_nearest_name(lua_tostring(L, 2), names, cols + 2);
        if (found)
            snprintf(near, sizeof near, "%s", found);
    }
    free(names);   /* before raising: the error does not return */
    const char *candidates[1] = {near};
    return no_such(L, "c", "indicator", candidates, near[0] ? 1 : 0);
}

/* __index of c (c, key); upvalue 1: name -> column (or KEY_*). */
static int c_index(lua_State *L)
{
    vt_rules *r = *(vt_rules **)lua_touserdata(L, 1);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNUMBER)
        return unknown_indicator(L, r);
    lua_Integer key = lua_tointeger(L, -1);
    if (key >= 0)
        push_value(L, vt_indicators_get(r->bound, r->out.row, (int)key));
    else if (key == KEY_CUSTOMER_ID)
        lua_pushstring(L, vt_indicators_customer(r->bound, r->out.row));
    else if (r->out.has_score_change)
        lua_pushnumber(L, r->out.score_change);
    else
        lua_pushnil(L);
    return 1;
}

/* ------------------------------------------------------------ s */

/* __index of s (s, key); upvalues: field table, the s.measures view. */
static int s_index(lua_State *L)
{
    const vt_rules *r = *(vt_rules **)lua_touserdata(L, 1);
    const rule_outcome *o = &r->out;
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    switch (lua_tointeger(L, -1)) {
    case S_SCORE:
        lua_pushnumber(L, o->mean.score);
        break;
    case S_BAND:
        lua_pushstring(L, r->bands[o->score_band].name);
        break;
    case S_COVERAGE:
        lua_pushnumber(L, o->mean.coverage);
        break;
    case S_SCORE_CHANGE:
        if (o->has_score_change)
            lua_pushnumber(L, o->score_change);
        else
            lua_pushnil(L);
        break;
    case S_SCORECARD:
        if (o->scorecard >= 0)
            lua_pushstring(L, r->scorecards[o->scorecard].name);
        else
            lua_pushnil(L);
        break;
    case S_MEASURES:
        lua_pushvalue(L, lua_upvalueindex(2));
        break;
    default:
        return no_such(L, "s", "field", s_fields, count_names(s_fields));
    }
    return 1;
}

/* __index of s.measures (view, name); upvalue 1: name -> measure view. */
static int measures_index(lua_State *L)
{
    const vt_rules *r = *(vt_rules **)lua_touserdata(L, 1);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
        return 1;
    const char **names = malloc(((size_t)r->n_measures + 1) * sizeof *names);
    char near[RULE_NAME_MAX + 2] = "";
    if (names && lua_type(L, 2) == LUA_TSTRING) {
        for (int i = 0; i < r->n_measures; i++)
            names[i] = r->measures[i].name;
        const char *found = vt_nearest_name(lua_tostring(L, 2), names, r->n_measures);
        if (found)
            snprintf(near, sizeof near, "%s", found);
    }
    free(names);
    const char *candidates[1] = {near};
    return no_such(L, "s.measures", "measure", candidates, near[0] ? 1 : 0);
}

/* __index of s.measures[name] (view, key); upvalue 1: field table. */
static int measure_index(lua_State *L)
{
    const measure_view *view = lua_touserdata(L, 1);
    const rule_outcome *o = &view->r->out;
    const vt_part *part = &o->parts[view->index];
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    switch (lua_tointeger(L, -1)) {
    case M_VALUE:
        if (part->has_data)
            lua_pushnumber(L, o->values[view->index]);
        else
            lua_pushnil(L);
        break;
    case M_SCORE:
        if (part->used)
            lua_pushnumber(L, part->score);
        else
            lua_pushnil(L);
        break;
    case M_WEIGHT:
        lua_pushnumber(L, part->weight);
        break;
    case M_USED:
        lua_pushboolean(L, part->used);
        break;
    case M_MISSING:
        lua_pushboolean(L, part->used && !part->has_data);
        break;
    case M_CONTRIBUTION:
        if (part->used)
            lua_pushnumber(L, vt_contribution(part, o->mean.used_weight));
        else
            lua_pushnil(L);
        break;
    default:
        return no_such(L, "measure", "field", measure_fields, count_names(measure_fields));
    }
    return 1;
}

/* ------------------------------------------------------------ binding */

/* Push a metatable {__index = index (closed over the n values on top),
 * __newindex = read-only error, __metatable = "protected"}. */
static void push_view_metatable(lua_State *L, lua_CFunction index, int n, const char *name)
{
    lua_pushcclosure(L, index, n);
    lua_createtable(L, 0, 3);
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, name);
    lua_pushcclosure(L, read_only, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "protected");
    lua_setfield(L, -2, "__metatable");
}

static void push_field_table(lua_State *L, const char *const *fields)
{
    lua_newtable(L);
    for (int i = 0; fields[i]; i++) {
        lua_pushinteger(L, i + 1);
        lua_setfield(L, -2, fields[i]);
    }
}

/* Build c and s for r->bound and keep them in the registry (protected). */
static int build_views(lua_State *L)
{
    vt_rules *r = lua_touserdata(L, 1);
    const vt_indicators *ind = r->bound;
    luaL_unref(L, LUA_REGISTRYINDEX, r->c_ref);
    luaL_unref(L, LUA_REGISTRYINDEX, r->s_ref);
    r->c_ref = r->s_ref = LUA_NOREF;

    *(vt_rules **)lua_newuserdatauv(L, sizeof r, 0) = r;           /* c */
    lua_createtable(L, 0, vt_indicators_columns(ind) + 2);
    for (int i = 0; i < vt_indicators_columns(ind); i++) {
        lua_pushinteger(L, i);
        lua_setfield(L, -2, vt_indicators_name(ind, i));
    }
    lua_pushinteger(L, KEY_CUSTOMER_ID);
    lua_setfield(L, -2, "customer_id");
    lua_pushinteger(L, KEY_SCORE_CHANGE);
    lua_setfield(L, -2, "score_change");
    push_view_metatable(L, c_index, 1, "c");
    lua_setmetatable(L, -2);
    r->c_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    *(vt_rules **)lua_newuserdatauv(L, sizeof r, 0) = r;           /* s */
    push_field_table(L, s_fields);
    *(vt_rules **)lua_newuserdatauv(L, sizeof r, 0) = r;           /* s.measures */
    lua_createtable(L, 0, r->n_measures);
    push_field_table(L, measure_fields);
    for (int i = 0; i < r->n_measures; i++) {
        measure_view *view = lua_newuserdatauv(L, sizeof *view, 0);
        view->r = r;
        view->index = i;
        lua_pushvalue(L, -2);
        push_view_metatable(L, measure_index, 1, "s.measures entries");
        lua_setmetatable(L, -2);
        lua_setfield(L, -3, r->measures[i].name);
    }
    lua_pop(L, 1);
    push_view_metatable(L, measures_index, 1, "s.measures");
    lua_setmetatable(L, -2);
    push_view_metatable(L, s_index, 2, "s");
    lua_setmetatable(L, -2);
    r->s_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

vt_status vt_rules_bind(vt_rules *r, const vt_indicators *ind, vt_error *err)
{
    lua_State *L = vt_sandbox_lua(r->sb);
    r->bound = NULL;
    lua_settop(L, VT_SANDBOX_MSGH);
    int cols = vt_indicators_columns(ind);
    for (int i = 0; i < r->n_measures; i++) {
        rule_measure *m = &r->measures[i];
        if (!m->indicator)
            continue;
        m->column = vt_indicators_find(ind, m->indicator);
        if (m->column >= 0)
            continue;
        const char **names = malloc((cols > 0 ? (size_t)cols : 1) * sizeof *names);
        if (!names)
            return vt_fail(err, VT_EINTERNAL, "%s: out of memory", r->path);
        for (int c = 0; c < cols; c++)
            names[c] = vt_indicators_name(ind, c);
        const char *near = vt_nearest_name(m->indicator, names, cols);
        vt_fail(err, VT_EINPUT, "%s:%d: measure \"%s\": value \"%s\": no such indicator%s%s%s",
                r->path, m->line, m->name, m->indicator, near ? "; did you mean " : "",
                near ? near : "", near ? "?" : "");
        free(names);
        return VT_EINPUT;
    }
    r->score_prev_column = vt_indicators_find(ind, "score_prev");
    r->bound = ind;
    r->out.row = 0;
    vt_status st = vt_sandbox_protected(r->sb, build_views, r, err);
    if (st != VT_OK || !lua_checkstack(L, 16)) {
        r->bound = NULL;
        return st != VT_OK ? st : vt_fail(err, VT_EINTERNAL, "%s: out of memory", r->path);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->c_ref);   /* SLOT_C */
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->s_ref);   /* SLOT_S */
    vt_sandbox_set_scoring(r->sb, 1);
    return VT_OK;
}

/* ------------------------------------------------------------ one customer */

/* Record why the customer failed: "customer ID: WHAT: DETAIL". */
static int fail(vt_rules *r, const char *what, const char *detail)
{
    snprintf(r->failure, sizeof r->failure, "customer %s: %s%s%s",
             vt_indicators_customer(r->bound, r->out.row), what, what[0] ? ": " : "", detail);
    return -1;
}

/* A failure found in C about a declaration: "FILE:LINE: text". */
static int fail_at(vt_rules *r, const char *what, int line, const char *text)
{
    char detail[VT_RULE_MSG_MAX + 1];
    snprintf(detail, sizeof detail, "%s:%d: %s", r->path, line, text);
    return fail(r, what, detail);
}

/* 'measure "NAME"' (flag, scorecard; suffix " reason") into what, built
 * only when a customer fails. */
static const char *label(char *what, size_t size, const char *kind, const char *name,
                         const char *suffix)
{
    snprintf(what, size, "%s \"%s\"%s", kind, name, suffix);
    return what;
}

/* Call the function of ref with c (and s); its result is left on top. */
static int call_rule(vt_rules *r, int ref, int with_s)
{
    lua_State *L = vt_sandbox_lua(r->sb);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    lua_pushvalue(L, SLOT_C);
    if (with_s)
        lua_pushvalue(L, SLOT_S);
    return vt_sandbox_call(r->sb, with_s ? 2 : 1, 1);
}

static int choose_scorecard(vt_rules *r)
{
    lua_State *L = vt_sandbox_lua(r->sb);
    char what[RULE_NAME_MAX + 16];
    for (int i = 0; i < r->n_scorecards; i++) {
        if (call_rule(r, r->scorecards[i].when_ref, 0) != LUA_OK)
            return fail(r, label(what, sizeof what, "scorecard", r->scorecards[i].name, ""),
                        vt_sandbox_message(r->sb));
        int applies = lua_toboolean(L, -1);
        lua_pop(L, 1);
        if (applies) {
            r->out.scorecard = i;
            break;
        }
    }
    return 0;
}

static int score_measure(vt_rules *r, int i)
{
    lua_State *L = vt_sandbox_lua(r->sb);
    rule_outcome *o = &r->out;
    const rule_measure *m = &r->measures[i];
    vt_part *part = &o->parts[i];
    char what[RULE_NAME_MAX + 16], text[160];
    double weight = m->weight, value = 0;
    if (o->scorecard >= 0 && !isnan(r->scorecards[o->scorecard].weights[i]))
        weight = r->scorecards[o->scorecard].weights[i];
    *part = (vt_part){weight, 0.0, 0, 0};
    if (!(weight > 0))
        return 0;   /* left out by the scorecard: not even evaluated */
    int has = 0;
    if (m->indicator) {
        const vt_value *v = vt_indicators_get(r->bound, o->row, m->column);
        has = v->type != VT_NIL;
        value = v->type == VT_INT ? (double)v->u.i : v->type == VT_REAL ? v->u.r : 0.0;
        if (v->type == VT_TEXT) {
            snprintf(text, sizeof text, "indicator %s is text (\"%.40s\"), not a number",
                     m->indicator, v->u.s);
            return fail_at(r, label(what, sizeof what, "measure", m->name, ""), m->line, text);
        }
    } else {
        if (call_rule(r, m->value_ref, 0) != LUA_OK)
            return fail(r, label(what, sizeof what, "measure", m->name, ""), vt_sandbox_message(r->sb));
        int type = lua_type(L, -1);
        has = type == LUA_TNUMBER;
        value = has ? lua_tonumber(L, -1) : 0.0;
        lua_pop(L, 1);
        if (!has && type != LUA_TNIL) {
            snprintf(text, sizeof text, "value returned a %s, not a number or nil",
                     lua_typename(L, type));
            return fail_at(r, label(what, sizeof what, "measure", m->name, ""), m->line, text);
        }
    }
    if (has && !isfinite(value)) {
        snprintf(text, sizeof text, "value is %s, not a finite number",
                 isnan(value) ? "NaN" : value > 0 ? "infinite" : "-infinite");
        return fail_at(r, label(what, sizeof what, "measure", m->name, ""), m->line, text);
    }
    o->values[i] = value;
    part->has_data = has;
    part->used = has || m->has_missing;
    part->score = has ? vt_scale_apply(&m->scale, value) : m->has_missing ? m->missing : 0.0;
    return 0;
}

/* The reason of raised flag f into out. */
static int flag_reason(vt_rules *r, const rule_flag *f, char *out, size_t size)
{
    lua_State *L = vt_sandbox_lua(r->sb);
    const char *text = f->reason_text ? f->reason_text : f->name;
    size_t len = strlen(text);
    char what[RULE_NAME_MAX + 24], number[64];
    if (f->reason_ref != LUA_NOREF) {
        if (call_rule(r, f->reason_ref, 1) != LUA_OK)
            return fail(r, label(what, sizeof what, "flag", f->name, " reason"),
                        vt_sandbox_message(r->sb));
        int type = lua_type(L, -1);
        if (type == LUA_TSTRING) {
            text = lua_tolstring(L, -1, &len);
        } else if (type == LUA_TNUMBER) {   /* formatted here: no allocation */
            if (lua_isinteger(L, -1))
                snprintf(number, sizeof number, "%lld", (long long)lua_tointeger(L, -1));
            else
                snprintf(number, sizeof number, "%.14g", lua_tonumber(L, -1));
            text = number;
            len = strlen(number);
        } else if (type != LUA_TNIL) {
            char detail[96];
            snprintf(detail, sizeof detail, "returned a %s, not a string", lua_typename(L, type));
            lua_pop(L, 1);
            return fail_at(r, label(what, sizeof what, "flag", f->name, " reason"), f->line, detail);
        }
        if (len == 0) {
            text = f->name;
            len = strlen(text);
        }
    }
    vt_bound_message(text, len, out, size);
    if (f->reason_ref != LUA_NOREF)
        lua_pop(L, 1);
    return 0;
}

static int raise_flags(vt_rules *r)
{
    lua_State *L = vt_sandbox_lua(r->sb);
    rule_outcome *o = &r->out;
    char what[RULE_NAME_MAX + 16];
    for (int i = 0; i < r->n_flags; i++) {
        const rule_flag *f = &r->flags[i];
        if (call_rule(r, f->when_ref, 1) != LUA_OK)
            return fail(r, label(what, sizeof what, "flag", f->name, ""), vt_sandbox_message(r->sb));
        int raised = lua_toboolean(L, -1);
        lua_pop(L, 1);
        if (!raised)
            continue;
        int k = o->n_raised++;
        o->raised[k] = i;
        o->forced[k] = f->force_band;
        if (flag_reason(r, f, o->reasons[k], sizeof o->reasons[k]) != 0)
            return -1;
    }
    return 0;
}

/* Rule code of one customer; 0, or -1 with r->failure set. */
static int evaluate(vt_rules *r)
{
    rule_outcome *o = &r->out;
    o->scorecard = -1;
    o->has_score_change = 0;
    o->n_raised = 0;
    if (choose_scorecard(r) != 0)
        return -1;
    for (int i = 0; i < r->n_measures; i++)
        if (score_measure(r, i) != 0)
            return -1;
    if (vt_weighted_mean(o->parts, r->n_measures, &o->mean) != 0)
        return fail(r, "", "no measure had data (every value was nil and none of those "
                    "measures has a missing default), so there is no score");
    o->score_band = vt_band_of(o->floors, r->n_bands, o->mean.score);
    if (r->score_prev_column >= 0) {
        const vt_value *prev = vt_indicators_get(r->bound, o->row, r->score_prev_column);
        if (prev->type == VT_INT || prev->type == VT_REAL) {
            double p = prev->type == VT_INT ? (double)prev->u.i : prev->u.r;
            o->has_score_change = isfinite(p);
            o->score_change = vt_round1(o->mean.score - p);
        }
    }
    return raise_flags(r);
}

static void copy_name(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
}

vt_status vt_rules_eval(vt_rules *r, int row, vt_result *res)
{
    memset(res, 0, sizeof *res);
    if (!r->bound || row < 0 || row >= vt_indicators_rows(r->bound)) {
        res->error = strdup(r->bound ? "row out of range" : "vt_rules_bind was not called");
        return VT_EUSAGE;
    }
    lua_State *L = vt_sandbox_lua(r->sb);
    r->out.row = row;
    vt_sandbox_arm(r->sb);
    int failed = evaluate(r);
    vt_sandbox_disarm(r->sb);
    if (failed) {
        vt_sandbox_recover(r->sb, EVAL_TOP);
        res->error = strdup(r->failure);
        return res->error ? VT_EPARTIAL : VT_EINTERNAL;
    }
    lua_settop(L, EVAL_TOP);
    const rule_outcome *o = &r->out;
    int forcing = vt_worst_forced(o->forced, o->n_raised);
    res->score = o->mean.score;
    res->coverage = o->mean.coverage;
    copy_name(res->score_band, sizeof res->score_band, r->bands[o->score_band].name);
    copy_name(res->band, sizeof res->band,
              r->bands[forcing >= 0 ? o->forced[forcing] : o->score_band].name);
    copy_name(res->forced_by, sizeof res->forced_by,
              forcing >= 0 ? r->flags[o->raised[forcing]].name : NULL);
    copy_name(res->scorecard, sizeof res->scorecard,
              o->scorecard >= 0 ? r->scorecards[o->scorecard].name : NULL);
    res->measures_json = rules_measures_json(r);
    res->flags_json = rules_flags_json(r);
    if (!res->measures_json || !res->flags_json) {
        vt_result_clear(res);
        res->error = strdup("out of memory");
        return VT_EINTERNAL;
    }
    return VT_OK;
}

/* ------------------------------------------------------------ state */

int rules_eval_prepare(vt_rules *r)
{
    rule_outcome *o = &r->out;
    size_t nm = r->n_measures > 0 ? (size_t)r->n_measures : 1;
    size_t nf = r->n_flags > 0 ? (size_t)r->n_flags : 1;
    size_t nb = r->n_bands > 0 ? (size_t)r->n_bands : 1;
    r->c_ref = r->s_ref = LUA_NOREF;
    o->parts = calloc(nm, sizeof *o->parts);
    o->values = calloc(nm, sizeof *o->values);
    o->raised = calloc(nf, sizeof *o->raised);
    o->forced = calloc(nf, sizeof *o->forced);
    o->reasons = calloc(nf, sizeof *o->reasons);
    o->floors = calloc(nb, sizeof *o->floors);
    if (!o->parts || !o->values || !o->raised || !o->forced || !o->reasons || !o->floors)
        return -1;
    for (int i = 0; i < r->n_bands; i++)
        o->floors[i] = r->bands[i].floor;
    return rules_json_prepare(r);
}

void rules_eval_free(vt_rules *r)
{
    rule_outcome *o = &r->out;
    free(o->parts);
    free(o->values);
    free(o->raised);
    free(o->forced);
    free(o->reasons);
    free(o->floors);
    rules_json_free(r);
}
