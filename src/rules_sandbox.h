/*
 * rules_sandbox.h - the Lua state a rule file runs in: a security boundary.
 *
 * One sandbox per loaded rule file.  It owns a lua_State created with a
 * capped allocator, opens only base (an allow-list of it), string, table,
 * math, utf8 and a small os (time, date, clock), gives the rule chunk its
 * own _ENV (reading an undefined global is an error, library tables are
 * read-only, global writes are errors while scoring), refuses bytecode,
 * stops rule code past its CPU budget (rules_watchdog.h) and turns every
 * error into one bounded "FILE:LINE: message" line.
 *
 * The stack of the state always holds the message handler at index
 * VT_SANDBOX_MSGH; callers keep their own values above it.
 */
#ifndef VITALS_RULES_SANDBOX_H
#define VITALS_RULES_SANDBOX_H

#include <lua.h>
#include <lauxlib.h>

#include "vitals.h"

/* Longest message kept from rule code, in bytes; longer ones are cut at a
 * UTF-8 boundary and end with "...". */
#define VT_RULE_MSG_MAX 500

/* Stack index of the message handler. */
#define VT_SANDBOX_MSGH 1

typedef struct vt_sandbox vt_sandbox;

/* A fresh sandbox for the rule file at path (used in messages). */
vt_status vt_sandbox_new(const char *path, const vt_rule_limits *lim, vt_sandbox **out,
                         vt_error *err);
void vt_sandbox_free(vt_sandbox *sb);

lua_State *vt_sandbox_lua(const vt_sandbox *sb);
/* The sandbox a state belongs to (kept in the state's extra space). */
vt_sandbox *vt_sandbox_of(lua_State *L);
const char *vt_sandbox_path(const vt_sandbox *sb);
size_t vt_sandbox_memory_used(const vt_sandbox *sb);

/* Run trusted setup code fn(L) in protected mode with ud as its only
 * argument (a light userdata), so that a memory error cannot panic. */
vt_status vt_sandbox_protected(vt_sandbox *sb, lua_CFunction fn, void *ud, vt_error *err);

/* Add built-in globals visible to the rule file, each a C closure over ctx
 * (a light userdata upvalue).  A rule file cannot replace them. */
vt_status vt_sandbox_define(vt_sandbox *sb, const luaL_Reg *fns, void *ctx, vt_error *err);

/* Compile src as Lua text (bytecode is refused) and run its top level
 * within its time budget (the per-customer one, at least 1 s).  VT_EINPUT with "FILE:LINE: message" on failure. */
vt_status vt_sandbox_run(vt_sandbox *sb, const char *src, size_t len, vt_error *err);

/* While scoring, assigning a global is an error. */
void vt_sandbox_set_scoring(vt_sandbox *sb, int scoring);

/* Start / end one stretch of rule code with the per-customer budget. */
void vt_sandbox_arm(vt_sandbox *sb);
void vt_sandbox_disarm(vt_sandbox *sb);

/* lua_pcall through the message handler.  LUA_OK, or an error status with
 * the error object popped and its bounded text in vt_sandbox_message. */
int vt_sandbox_call(vt_sandbox *sb, int nargs, int nresults);
const char *vt_sandbox_message(const vt_sandbox *sb);

/* After a failed call: drop everything above top and collect the garbage
 * the failure left, so that the next customer starts clean. */
void vt_sandbox_recover(vt_sandbox *sb, int top);

/* Raise an error located at the innermost line of rule code being run:
 * "FILE:LINE: message" (printf formatting).  Does not return. */
int vt_sandbox_error(lua_State *L, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Line of the innermost rule code being run, or 0 outside rule code. */
int vt_sandbox_line(lua_State *L);

/* Copy msg (len bytes) into out (size bytes, at most VT_RULE_MSG_MAX + 1
 * used): control characters become spaces; a longer message is cut at a
 * UTF-8 boundary and ends with "...". */
void vt_bound_message(const char *msg, size_t len, char *out, size_t size);

/* Registry table that names the library functions the guards wrap, for
 * Lua's error messages; it becomes the state's package.loaded. */
#define VT_SANDBOX_NAMES "vitals.names"

/* Argument guards (rules_guards.c), installed while the libraries open. */
void vt_sandbox_guard_string(lua_State *L, int idx);
void vt_sandbox_guard_table(lua_State *L, int idx, lua_Integer max_elements);
void vt_sandbox_guard_setmetatable(lua_State *L, int idx);

#endif /* VITALS_RULES_SANDBOX_H */
