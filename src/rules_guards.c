/*
 * rules_guards.c - argument guards on the few standard library functions
 * that can run for a very long time inside one C call, where neither the
 * watchdog's count hook (it fires only between Lua instructions) nor the
 * memory cap (they allocate nothing) can stop them:
 *
 *   string.find/match/gmatch/gsub  backtracking patterns (".-.-.-x") are
 *       polynomial in the subject length; the guard estimates the work as
 *       starts * items * C(n + k, k) * 2^optional (k = items with * + - ,
 *       %b or a back-reference) and refuses a call above PATTERN_WORK_LIMIT.
 *   table.insert/remove/sort  shift or compare #t elements, and #t can be
 *       made huge with a sparse table or a __len metamethod: they accept
 *       only plain tables (no metatable) with at most max_elements entries;
 *       sort needs a Lua comparator so that the hook can reach it.
 *   table.move  moves e - f + 1 elements: at most max_elements.
 *   setmetatable  refuses __gc: a finaliser would run outside any time
 *       budget (during garbage collection or lua_close).
 *
 * max_elements is the memory cap divided by the size of a Lua value: a
 * real table cannot hold more, so honest rules never meet the limit.
 */
#include <lauxlib.h>
#include <math.h>
#include <string.h>

#include "rules_sandbox.h"

#define PATTERN_WORK_LIMIT 5e7

/* Index just past the set starting at p[i] == '[' (Lua's classEnd). */
static size_t set_end(const char *p, size_t lp, size_t i)
{
    i++;
    if (i < lp && p[i] == '^')
        i++;
    do {
        if (i >= lp)
            return lp;
        if (p[i++] == '%' && i < lp)
            i++;
    } while (i < lp && p[i] != ']');
    return i < lp ? i + 1 : lp;
}

/* Does the pattern use any magic character (Lua's nospecials, over the
 * whole length: a pattern may contain NUL bytes)? */
static int has_specials(const char *p, size_t lp)
{
    for (size_t i = 0; i < lp; i++)
        if (memchr("^$*+?.([%-", p[i], 10))
            return 1;
    return 0;
}

/* Upper bound on the matcher's steps for pattern p on an n-byte subject. */
static double pattern_work(const char *p, size_t lp, size_t n)
{
    double items = 0, subject = (double)n + 1.0;
    int variable = 0, optional = 0, anchored = 0;
    size_t i = 0;
    if (lp > 0 && p[0] == '^') {
        anchored = 1;
        i = 1;
    }
    while (i < lp) {
        char ch = p[i];
        if (ch == '(' || ch == ')' || (ch == '$' && i + 1 == lp)) {
            i++;
            continue;
        }
        if (ch == '%' && i + 1 < lp) {
            char e = p[i + 1];
            if (e == 'b') {           /* %bxy scans to the balancing y */
                variable++;
                items++;
                i += 4;
                continue;
            }
            if (e == 'f') {           /* %f[set]: a frontier, no width */
                i = i + 2 < lp ? set_end(p, lp, i + 2) : lp;
                continue;
            }
            if (e >= '0' && e <= '9') {  /* back-reference */
                variable++;
                items++;
                i += 2;
                continue;
            }
            i += 2;
        } else if (ch == '[') {
            i = set_end(p, lp, i);
        } else {
            i++;
        }
        items++;
        if (i < lp && (p[i] == '*' || p[i] == '+' || p[i] == '-')) {
            variable++;
            i++;
        } else if (i < lp && p[i] == '?') {
            optional++;
            i++;
        }
    }
    double work = (anchored ? 1.0 : subject) * (items > 0 ? items : 1.0);
    for (int k = 1; k <= variable && work <= PATTERN_WORK_LIMIT; k++)
        work = work * (subject + k - 1) / k;
    for (int k = 0; k < optional && work <= PATTERN_WORK_LIMIT; k++)
        work *= 2.0;
    return work;
}

/* Guarded string.find/match/gmatch/gsub: upvalue 1 is the original. */
static int guarded_pattern(lua_State *L)
{
    int t1 = lua_type(L, 1), t2 = lua_type(L, 2);
    if ((t1 == LUA_TSTRING || t1 == LUA_TNUMBER) && (t2 == LUA_TSTRING || t2 == LUA_TNUMBER)) {
        size_t n, lp;
        lua_tolstring(L, 1, &n);
        const char *p = lua_tolstring(L, 2, &lp);
        int plain = lua_toboolean(L, lua_upvalueindex(2)) &&
                    (lua_toboolean(L, 4) || !has_specials(p, lp));
        double work = plain ? ((double)n + 1.0) * ((double)lp + 1.0) : pattern_work(p, lp, n);
        if (work > PATTERN_WORK_LIMIT)
            return vt_sandbox_error(L, "%s: pattern too costly for a %zu-byte subject "
                                    "(rules limit a pattern search to about %.0e steps)",
                                    lua_tostring(L, lua_upvalueindex(3)), n, PATTERN_WORK_LIMIT);
    }
    int nargs = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, nargs, LUA_MULTRET);
    return lua_gettop(L);
}

/* The element limit of this state (upvalue 2 of the table guards). */
static lua_Integer max_elements(lua_State *L)
{
    return lua_tointeger(L, lua_upvalueindex(2));
}

static void check_plain_table(lua_State *L, const char *fname)
{
    if (lua_type(L, 1) != LUA_TTABLE)
        vt_sandbox_error(L, "%s: argument 1 must be a table (got %s)", fname, luaL_typename(L, 1));
    if (lua_getmetatable(L, 1))
        vt_sandbox_error(L, "%s: tables with a metatable are not accepted in rules", fname);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    if (n > max_elements(L))
        vt_sandbox_error(L, "%s: table too long (%lld elements)", fname, (long long)n);
}

/* Guarded table.insert/remove/sort: upvalue 1 the original, 2 the limit,
 * 3 the name. */
static int guarded_shift(lua_State *L)
{
    const char *fname = lua_tostring(L, lua_upvalueindex(3));
    check_plain_table(L, fname);
    if (strcmp(fname, "table.sort") == 0 && !lua_isnoneornil(L, 2) && lua_iscfunction(L, 2))
        return vt_sandbox_error(L, "table.sort: the comparator must be a Lua function");
    int nargs = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, nargs, LUA_MULTRET);
    return lua_gettop(L);
}

static int guarded_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
    if (e >= f && (lua_Unsigned)e - (lua_Unsigned)f >= (lua_Unsigned)max_elements(L))
        return vt_sandbox_error(L, "table.move: too many elements (%llu)",
                                (unsigned long long)((lua_Unsigned)e - (lua_Unsigned)f) + 1);
    int nargs = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, nargs, LUA_MULTRET);
    return lua_gettop(L);
}

static int guarded_setmetatable(lua_State *L)
{
    if (lua_type(L, 1) != LUA_TTABLE)
        return vt_sandbox_error(L, "setmetatable: argument 1 must be a table (got %s)",
                                luaL_typename(L, 1));
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return vt_sandbox_error(L, "setmetatable: __gc metamethods are not allowed in rules");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* Replace lib[name] (lib at index lib_idx) by fn closed over the original
 * and extra upvalues pushed by the caller (n_extra of them, popped).  The
 * original is also filed under label.name in VT_SANDBOX_NAMES, so that an
 * argument error it raises names it ("bad argument #1 to 'table.insert'"). */
static void wrap(lua_State *L, int lib_idx, const char *label, const char *name,
                 lua_CFunction fn, int n_extra)
{
    lua_getfield(L, lib_idx, name);
    luaL_getsubtable(L, LUA_REGISTRYINDEX, VT_SANDBOX_NAMES);
    luaL_getsubtable(L, -1, label);
    lua_pushvalue(L, -3);
    lua_setfield(L, -2, name);
    lua_pop(L, 2);
    lua_insert(L, -1 - n_extra);
    lua_pushcclosure(L, fn, 1 + n_extra);
    lua_setfield(L, lib_idx, name);
}

void vt_sandbox_guard_string(lua_State *L, int idx)
{
    static const char *const pattern_fns[] = {"find", "match", "gmatch", "gsub"};
    idx = lua_absindex(L, idx);
    for (size_t i = 0; i < sizeof pattern_fns / sizeof *pattern_fns; i++) {
        lua_pushboolean(L, i == 0);   /* only find has a plain mode */
        lua_pushfstring(L, "string.%s", pattern_fns[i]);
        wrap(L, idx, "string", pattern_fns[i], guarded_pattern, 2);
    }
}

void vt_sandbox_guard_table(lua_State *L, int idx, lua_Integer limit)
{
    static const char *const shifting_fns[] = {"insert", "remove", "sort"};
    idx = lua_absindex(L, idx);
    for (size_t i = 0; i < sizeof shifting_fns / sizeof *shifting_fns; i++) {
        lua_pushinteger(L, limit);
        lua_pushfstring(L, "table.%s", shifting_fns[i]);
        wrap(L, idx, "table", shifting_fns[i], guarded_shift, 2);
    }
    lua_pushinteger(L, limit);
    wrap(L, idx, "table", "move", guarded_move, 1);
}

void vt_sandbox_guard_setmetatable(lua_State *L, int idx)
{
    wrap(L, lua_absindex(L, idx), LUA_GNAME, "setmetatable", guarded_setmetatable, 0);
}
