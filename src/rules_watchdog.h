/*
 * rules_watchdog.h - the CPU time limit of rule code.
 *
 * A count hook left on slows every Lua instruction, so none is set while a
 * rule runs normally.  Instead the evaluating thread arms the watchdog
 * before running rule code (a few atomic stores, no system call) and
 * disarms it afterwards.  A helper thread samples the evaluating thread's
 * CPU clock; when one arming has used more than its budget it sends that
 * thread SIGURG, whose handler installs a count hook with period 1 on the
 * Lua state (lua_sethook is documented as safe to call asynchronously, as
 * lua.c does for SIGINT).  The hook raises "time limit ... exceeded" on
 * every instruction until disarmed, so a rule cannot pcall its way past it.
 *
 * A count hook cannot fire inside one long C call: the sandbox bounds those
 * with its memory cap and argument guards (rules_guards.c).
 *
 * The library installs a SIGURG handler (once per process); threads that
 * evaluate rules must not block SIGURG.
 */
#ifndef VITALS_RULES_WATCHDOG_H
#define VITALS_RULES_WATCHDOG_H

#include <lua.h>

typedef struct vt_watchdog vt_watchdog;

/* Start a watchdog for L; it ticks often enough for budgets down to
 * min_budget_ms.  NULL when the thread cannot be started. */
vt_watchdog *vt_watchdog_start(lua_State *L, double min_budget_ms);
/* Stop the thread and free the watchdog (NULL is fine). */
void vt_watchdog_stop(vt_watchdog *wd);

/* Begin one stretch of rule code on the calling thread that may use
 * budget_ms of CPU time, and end it.  Disarm on every exit path: it also
 * removes the hook if it was tripped. */
void vt_watchdog_arm(vt_watchdog *wd, double budget_ms);
void vt_watchdog_disarm(vt_watchdog *wd);

#endif /* VITALS_RULES_WATCHDOG_H */
