/*
 * rules_sandbox.c - the Lua state a rule file runs in (see rules_sandbox.h).
 *
 * What a rule file can reach is decided by the data arrays below:
 * allowed_base (the base functions it keeps), libraries (opened and given
 * as read-only proxies), allowed_os, and denied_globals (standard names
 * that are absent, named in the error so the author knows why).
 *
 * Layout of the environment:
 *   _ENV        a userdata: rawset/setmetatable cannot touch it; reads go
 *               to the rule globals, writes to set_global
 *   rule globals  a table (what the top level assigns), __index = built-ins
 *   built-ins   a table (allowed base functions, library proxies, the rule
 *               API), __index = undefined_global, which raises an error
 * The state's real global table is emptied and package.loaded replaced
 * (rules_guards.c), so nothing else is reachable from rule code.
 */
#include <ctype.h>
#include <lualib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_sandbox.h"
#include "rules_watchdog.h"

/* Base functions a rule file keeps; the rest of the base library is absent. */
static const char *const allowed_base[] = {
    "assert", "error", "getmetatable", "ipairs", "next", "pairs", "pcall", "rawequal",
    "rawget", "rawlen", "rawset", "select", "setmetatable", "tonumber", "tostring",
    "type", "xpcall", "_VERSION", NULL,
};

/* Libraries a rule file gets, each as a read-only proxy. */
static const luaL_Reg libraries[] = {
    {"string", luaopen_string},
    {"table", luaopen_table},
    {"math", luaopen_math},
    {"utf8", luaopen_utf8},
    {NULL, NULL},
};

/* The whole of os in a rule file. */
static const char *const allowed_os[] = {"time", "date", "clock", NULL};

/* Standard names that rule files do not have. */
static const char *const denied_globals[] = {
    "io", "debug", "package", "require", "load", "loadfile", "dofile", "loadstring",
    "collectgarbage", "print", "warn", "coroutine", "_G", "module", "setfenv", "getfenv",
    "newproxy", NULL,
};

/* CPU budget of a file's top level: the per-customer budget, but at least
 * this, so that a file that loads under the default limits (vitals check)
 * also loads under a smaller per-customer budget. */
#define TOP_LEVEL_MS 1000.0

struct vt_sandbox {
    lua_State *L;
    char *path;                   /* the rule file, as given: FILE in FILE:LINE */
    char short_src[LUA_IDSIZE];   /* Lua's abbreviation of path in its messages */
    size_t heap_used, heap_cap;
    lua_Integer max_elements;     /* table guard limit (rules_guards.c) */
    vt_watchdog *watchdog;
    double customer_ms, top_level_ms;   /* CPU budgets */
    int env_ref, builtins_ref;    /* registry references */
    int scoring;
    char message[VT_RULE_MSG_MAX + 1];
};

/* ------------------------------------------------------------ allocator */

/* lua_Alloc with a cap on the live heap; frees and shrinks always succeed. */
static void *capped_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    vt_sandbox *sb = ud;
    size_t old = ptr ? osize : 0;   /* when ptr is NULL, osize is a type code */
    if (nsize == 0) {
        free(ptr);
        sb->heap_used -= old;
        return NULL;
    }
    if (nsize > old && nsize - old > sb->heap_cap - sb->heap_used)
        return NULL;
    void *block = realloc(ptr, nsize);
    if (!block) {
        if (nsize > old)
            return NULL;
        block = ptr;   /* a failed shrink keeps the larger block */
    }
    sb->heap_used = sb->heap_used - old + nsize;
    return block;
}

/* ------------------------------------------------------------ messages */

void vt_bound_message(const char *msg, size_t len, char *out, size_t size)
{
    size_t cap = size - 1 < VT_RULE_MSG_MAX ? size - 1 : VT_RULE_MSG_MAX;
    size_t n = len;
    int cut = len > cap;
    if (cut) {
        n = cap - 3;
        while (n > 0 && ((unsigned char)msg[n] & 0xC0) == 0x80)
            n--;   /* do not split a UTF-8 sequence */
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)msg[i];
        out[i] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
    }
    if (cut) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
}

int vt_sandbox_line(lua_State *L)
{
    lua_Debug ar;
    for (int level = 0; lua_getstack(L, level, &ar); level++)
        if (lua_getinfo(L, "l", &ar) && ar.currentline > 0)
            return ar.currentline;
    return 0;
}

/* Length of the file part when msg already starts with "FILE:<digit>" for
 * this rule file (its path or Lua's abbreviation of it), else 0. */
static size_t file_prefix(const vt_sandbox *sb, const char *msg, size_t len)
{
    const char *names[2] = {sb->path, sb->short_src};
    for (int i = 0; i < 2; i++) {
        size_t n = strlen(names[i]);
        if (n > 0 && len > n + 1 && memcmp(msg, names[i], n) == 0 && msg[n] == ':' &&
            isdigit((unsigned char)msg[n + 1]))
            return n;
    }
    return 0;
}

/* Bounded "FILE:LINE: msg" into out: a message that names this file keeps
 * its line (with the full path); otherwise the line of the innermost rule
 * code running on L (L may be NULL once the stack is unwound). */
static void locate(const vt_sandbox *sb, lua_State *L, const char *msg, size_t len,
                   char *out, size_t size)
{
    char text[VT_RULE_MSG_MAX + 8];
    int width = len > VT_RULE_MSG_MAX + 1 ? VT_RULE_MSG_MAX + 1 : (int)len;
    size_t file = file_prefix(sb, msg, len);
    int line = file || !L ? 0 : vt_sandbox_line(L);
    int n;
    if (file)
        n = snprintf(text, sizeof text, "%s%.*s", sb->path, width, msg + file);
    else if (line > 0)
        n = snprintf(text, sizeof text, "%s:%d: %.*s", sb->path, line, width, msg);
    else
        n = snprintf(text, sizeof text, "%s: %.*s", sb->path, width, msg);
    if (n < 0)
        n = 0;
    size_t total = (size_t)n < sizeof text - 1 ? (size_t)n : sizeof text - 1;
    if (len > (size_t)width)
        total = sizeof text - 1;   /* the message itself was longer: mark the cut */
    vt_bound_message(text, total, out, size);
}

int vt_sandbox_error(lua_State *L, const char *fmt, ...)
{
    char text[VT_RULE_MSG_MAX + 8], out[VT_RULE_MSG_MAX + 1];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof text - 1 ? (size_t)n : sizeof text - 1;
    locate(vt_sandbox_of(L), L, text, len, out, sizeof out);
    lua_pushstring(L, out);
    return lua_error(L);
}

/* The message handler of every call into rule code: any error object
 * becomes one bounded "FILE:LINE: message" string.  It calls no Lua code
 * (no __tostring), so it cannot loop or be subverted. */
static int message_handler(lua_State *L)
{
    char text[64], out[VT_RULE_MSG_MAX + 1];
    const char *msg = text;
    size_t len;
    switch (lua_type(L, 1)) {
    case LUA_TSTRING:
        msg = lua_tolstring(L, 1, &len);
        break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, 1))
            snprintf(text, sizeof text, "%lld", (long long)lua_tointeger(L, 1));
        else
            snprintf(text, sizeof text, "%.14g", lua_tonumber(L, 1));
        len = strlen(text);
        break;
    default:
        snprintf(text, sizeof text, "error object is a %s value", luaL_typename(L, 1));
        len = strlen(text);
        break;
    }
    locate(vt_sandbox_of(L), L, msg, len, out, sizeof out);
    lua_pushstring(L, out);
    return 1;
}

/* Keep the message of a failed call in sb->message and pop it. */
static void keep_message(vt_sandbox *sb, int status)
{
    lua_State *L = sb->L;
    if (status == LUA_ERRMEM) {
        char text[96];
        int n = snprintf(text, sizeof text, "not enough memory: a rule file may use %zu MiB",
                         sb->heap_cap >> 20);
        locate(sb, NULL, text, (size_t)n, sb->message, sizeof sb->message);
    } else if (lua_type(L, -1) == LUA_TSTRING) {
        size_t len;
        const char *msg = lua_tolstring(L, -1, &len);
        locate(sb, NULL, msg, len, sb->message, sizeof sb->message);
    } else {
        static const char text[] = "error while handling an error";
        locate(sb, NULL, text, sizeof text - 1, sb->message, sizeof sb->message);
    }
    lua_pop(L, 1);
}

/* ------------------------------------------------------------ environment */

/* Up to max string keys of the table at idx, for suggestions. */
static int table_names(lua_State *L, int idx, const char **names, int n, int max)
{
    idx = lua_absindex(L, idx);
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (n < max && lua_type(L, -2) == LUA_TSTRING)
            names[n++] = lua_tostring(L, -2);
        lua_pop(L, 1);
    }
    return n;
}

/* __index of the built-ins (built-ins, key); upvalue 1: the rule globals. */
static int undefined_global(lua_State *L)
{
    if (lua_type(L, 2) != LUA_TSTRING)
        return vt_sandbox_error(L, "undefined global (a %s key)", luaL_typename(L, 2));
    const char *name = lua_tostring(L, 2);
    for (int i = 0; denied_globals[i]; i++)
        if (strcmp(name, denied_globals[i]) == 0)
            return vt_sandbox_error(L, "%s is not available in rule files", name);
    const char *names[256];
    int n = table_names(L, 1, names, 0, 256);
    n = table_names(L, lua_upvalueindex(1), names, n, 256);
    const char *near = vt_nearest_name(name, names, n);
    if (near)
        return vt_sandbox_error(L, "undefined global '%s'; did you mean %s?", name, near);
    const char *const *indicators = vt_builtin_indicator_names();   /* a forgotten "c." */
    for (n = 0; indicators[n]; n++)
        ;
    near = vt_nearest_name(name, indicators, n);
    if (near)
        return vt_sandbox_error(L, "undefined global '%s'; did you mean c.%s?", name, near);
    return vt_sandbox_error(L, "undefined global '%s'", name);
}

/* __newindex of _ENV (env, key, value); upvalues: rule globals, built-ins. */
static int set_global(lua_State *L)
{
    const char *name = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : NULL;
    if (vt_sandbox_of(L)->scoring)
        return vt_sandbox_error(L, "rules must not set globals during scoring: %s",
                                name ? name : "(a non-string key)");
    if (name) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL)
            return vt_sandbox_error(L, "%s is built into the rule language and cannot be "
                                    "replaced", name);
        lua_pop(L, 1);
    }
    lua_settop(L, 3);
    lua_rawset(L, lua_upvalueindex(1));
    return 0;
}

/* __newindex of a read-only proxy; upvalue 1: its name. */
static int readonly_newindex(lua_State *L)
{
    return vt_sandbox_error(L, "%s is read-only in rule files", lua_tostring(L, lua_upvalueindex(1)));
}

/* Push a userdata that reads through to the table at idx and refuses
 * writes, rawset and setmetatable. */
static void push_readonly(lua_State *L, int idx, const char *name)
{
    idx = lua_absindex(L, idx);
    lua_newuserdatauv(L, 0, 0);
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, idx);
    lua_setfield(L, -2, "__index");
    lua_pushstring(L, name);
    lua_pushcclosure(L, readonly_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "protected");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
}

/* Open one library into the built-ins (index 2) as a read-only proxy,
 * after guarding its long-running functions. */
static void open_library(lua_State *L, vt_sandbox *sb, const luaL_Reg *lib)
{
    luaL_requiref(L, lib->name, lib->func, 0);
    if (strcmp(lib->name, "string") == 0) {
        lua_pushnil(L);
        lua_setfield(L, -2, "dump");
        vt_sandbox_guard_string(L, -1);
        /* the string metatable is shared by every string: freeze it */
        lua_pushliteral(L, "");
        lua_getmetatable(L, -1);
        lua_pushliteral(L, "protected");
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 2);
    } else if (strcmp(lib->name, "table") == 0) {
        vt_sandbox_guard_table(L, -1, sb->max_elements);
    }
    push_readonly(L, -1, lib->name);
    lua_setfield(L, 2, lib->name);
    lua_pop(L, 1);
}

/* Build the environment (protected: it allocates). */
static int open_sandbox(lua_State *L)
{
    vt_sandbox *sb = lua_touserdata(L, 1);
    lua_settop(L, 0);
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);   /* 1: the real globals */
    lua_newtable(L);                                /* 2: the built-ins */
    for (int i = 0; allowed_base[i]; i++) {
        lua_getfield(L, 1, allowed_base[i]);
        lua_setfield(L, 2, allowed_base[i]);
    }
    vt_sandbox_guard_setmetatable(L, 2);
    for (const luaL_Reg *lib = libraries; lib->name; lib++)
        open_library(L, sb, lib);
    luaL_requiref(L, LUA_OSLIBNAME, luaopen_os, 0);
    lua_createtable(L, 0, 3);
    for (int i = 0; allowed_os[i]; i++) {
        lua_getfield(L, -2, allowed_os[i]);
        lua_setfield(L, -2, allowed_os[i]);
    }
    push_readonly(L, -1, "os");
    lua_setfield(L, 2, "os");
    lua_pop(L, 2);

    lua_newtable(L);                                /* 3: the rule globals */
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, 2);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, 3);
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, 3);
    lua_pushcclosure(L, undefined_global, 1);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, 2);

    lua_newuserdatauv(L, 0, 0);                     /* 4: _ENV */
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, 3);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, 3);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, set_global, 2);
    lua_setfield(L, -2, "__newindex");
    lua_pushliteral(L, "protected");
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, 4);
    sb->env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushvalue(L, 2);
    sb->builtins_ref = luaL_ref(L, LUA_REGISTRYINDEX);

    /* Nothing else stays reachable: empty the real globals, and replace
     * package.loaded (which Lua searches to name functions in errors) by
     * the names of the wrapped functions. */
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushnil(L);
        lua_rawset(L, 1);
    }
    lua_getfield(L, LUA_REGISTRYINDEX, VT_SANDBOX_NAMES);
    lua_setfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    return 0;
}

/* ------------------------------------------------------------ lifecycle */

vt_status vt_sandbox_new(const char *path, const vt_rule_limits *lim, vt_sandbox **out,
                         vt_error *err)
{
    *out = NULL;
    vt_sandbox *sb = calloc(1, sizeof *sb);
    if (!sb || !(sb->path = strdup(path))) {
        free(sb);
        return vt_fail(err, VT_EINTERNAL, "%s: out of memory", path);
    }
    sb->heap_cap = lim->memory_bytes;
    sb->max_elements = (lua_Integer)(lim->memory_bytes / 16);
    sb->L = lua_newstate(capped_alloc, sb);
    if (!sb->L) {
        vt_sandbox_free(sb);
        return vt_fail(err, VT_EUSAGE, "%s: cannot create a Lua state within %zu bytes",
                       path, lim->memory_bytes);
    }
    *(vt_sandbox **)lua_getextraspace(sb->L) = sb;
    lua_pushcfunction(sb->L, open_sandbox);
    lua_pushlightuserdata(sb->L, sb);
    if (lua_pcall(sb->L, 1, 0, 0) != LUA_OK) {
        vt_sandbox_free(sb);
        return vt_fail(err, VT_EUSAGE, "%s: the rule memory limit (%zu bytes) is too small "
                       "to open the sandbox", path, lim->memory_bytes);
    }
    lua_settop(sb->L, 0);
    lua_pushcfunction(sb->L, message_handler);   /* VT_SANDBOX_MSGH */
    sb->customer_ms = lim->customer_ms;
    sb->top_level_ms = lim->customer_ms > TOP_LEVEL_MS ? lim->customer_ms : TOP_LEVEL_MS;
    sb->watchdog = vt_watchdog_start(sb->L, lim->customer_ms);
    if (!sb->watchdog) {
        vt_sandbox_free(sb);
        return vt_fail(err, VT_EINTERNAL, "%s: cannot start the rule watchdog thread", path);
    }
    *out = sb;
    return VT_OK;
}

void vt_sandbox_free(vt_sandbox *sb)
{
    if (!sb)
        return;
    vt_watchdog_stop(sb->watchdog);
    if (sb->L)
        lua_close(sb->L);
    free(sb->path);
    free(sb);
}

lua_State *vt_sandbox_lua(const vt_sandbox *sb) { return sb->L; }
vt_sandbox *vt_sandbox_of(lua_State *L) { return *(vt_sandbox **)lua_getextraspace(L); }
const char *vt_sandbox_path(const vt_sandbox *sb) { return sb->path; }
size_t vt_sandbox_memory_used(const vt_sandbox *sb) { return sb->heap_used; }
const char *vt_sandbox_message(const vt_sandbox *sb) { return sb->message; }
void vt_sandbox_set_scoring(vt_sandbox *sb, int scoring) { sb->scoring = scoring; }
void vt_sandbox_arm(vt_sandbox *sb) { vt_watchdog_arm(sb->watchdog, sb->customer_ms); }
void vt_sandbox_disarm(vt_sandbox *sb) { vt_watchdog_disarm(sb->watchdog); }

vt_status vt_sandbox_protected(vt_sandbox *sb, lua_CFunction fn, void *ud, vt_error *err)
{
    lua_pushcfunction(sb->L, fn);
    lua_pushlightuserdata(sb->L, ud);
    int status = vt_sandbox_call(sb, 1, 0);
    if (status == LUA_OK)
        return VT_OK;
    return vt_fail(err, status == LUA_ERRMEM ? VT_EINPUT : VT_EINTERNAL, "%s", sb->message);
}

struct definitions {
    vt_sandbox *sb;
    const luaL_Reg *fns;
    void *ctx;
};

static int define_builtins(lua_State *L)
{
    struct definitions *d = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, d->sb->builtins_ref);
    for (const luaL_Reg *fn = d->fns; fn->name; fn++) {
        lua_pushlightuserdata(L, d->ctx);
        lua_pushcclosure(L, fn->func, 1);
        lua_setfield(L, -2, fn->name);
    }
    return 0;
}

vt_status vt_sandbox_define(vt_sandbox *sb, const luaL_Reg *fns, void *ctx, vt_error *err)
{
    struct definitions d = {sb, fns, ctx};
    return vt_sandbox_protected(sb, define_builtins, &d, err);
}

int vt_sandbox_call(vt_sandbox *sb, int nargs, int nresults)
{
    int status = lua_pcall(sb->L, nargs, nresults, VT_SANDBOX_MSGH);
    if (status != LUA_OK)
        keep_message(sb, status);
    return status;
}

void vt_sandbox_recover(vt_sandbox *sb, int top)
{
    lua_settop(sb->L, top);
    lua_gc(sb->L, LUA_GCCOLLECT);
}

vt_status vt_sandbox_run(vt_sandbox *sb, const char *src, size_t len, vt_error *err)
{
    lua_State *L = sb->L;
    if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) {   /* a UTF-8 byte order mark */
        src += 3;
        len -= 3;
    }
    if (len > 0 && src[0] == LUA_SIGNATURE[0])
        return vt_fail(err, VT_EINPUT, "%s: precompiled Lua (bytecode) is not accepted; "
                       "a rule file must be Lua source text", sb->path);
    size_t plen = strlen(sb->path);
    char *chunkname = malloc(plen + 2);
    if (!chunkname)
        return vt_fail(err, VT_EINTERNAL, "%s: out of memory", sb->path);
    chunkname[0] = '@';
    memcpy(chunkname + 1, sb->path, plen + 1);
    /* Learn how Lua abbreviates the chunk name in its messages (a long path
     * becomes "...tail") from an empty chunk, before any error can use it. */
    int status = luaL_loadbufferx(L, "", 0, chunkname, "t");
    if (status == LUA_OK) {
        lua_Debug ar;
        lua_getinfo(L, ">S", &ar);
        memcpy(sb->short_src, ar.short_src, sizeof sb->short_src);
        status = luaL_loadbufferx(L, src, len, chunkname, "t");
    }
    free(chunkname);
    if (status != LUA_OK) {
        keep_message(sb, status);
        return vt_fail(err, VT_EINPUT, "%s", sb->message);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, sb->env_ref);
    lua_setupvalue(L, -2, 1);   /* the chunk's only upvalue is _ENV */
    vt_watchdog_arm(sb->watchdog, sb->top_level_ms);
    status = vt_sandbox_call(sb, 0, 0);
    vt_sandbox_disarm(sb);
    if (status != LUA_OK) {
        vt_sandbox_recover(sb, VT_SANDBOX_MSGH);
        return vt_fail(err, VT_EINPUT, "%s", sb->message);
    }
    return VT_OK;
}
