/*
 * rules_watchdog.c - stops rule code that runs past its CPU budget (see
 * rules_watchdog.h for the design).
 *
 * Protocol between the evaluating thread (E), the watchdog thread (W) and
 * the signal handler (H, which runs on E):
 *   E arm:    owner = self; armed = ++generation; wake W if it is parked.
 *   W tick:   a new armed generation starts the clock; once it has used its
 *             budget, tripped = generation and SIGURG goes to the owner.
 *   H:        if armed != 0 and armed == tripped: install the count hook.
 *   E disarm: armed = 0, then remove the hook.  A signal that arrives
 *             late sees armed == 0 (or a newer generation) and does nothing.
 * W parks on a condition variable after a second without arming, so an
 * idle rule set costs no wake-ups.
 */
#include <errno.h>
#include <lauxlib.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "rules_watchdog.h"

#define WATCHDOG_SIGNAL SIGURG
#define PARK_AFTER_NS 1000000000LL   /* park after a second without arming */

struct vt_watchdog {
    lua_State *L;
    long long tick_ns;
    _Atomic long long budget_ns;    /* of the current arming */
    pthread_t thread;               /* the watchdog thread */
    pthread_mutex_t mu;
    pthread_cond_t cv;              /* wakes W: stop, or arming while parked */
    int stop;                       /* guarded by mu */
    pthread_t owner;                /* the thread that armed last; guarded by mu */
    int has_owner;                  /* written by E under mu */
    _Atomic uint64_t armed;         /* generation being run, 0 when disarmed */
    _Atomic uint64_t tripped;       /* generation W has stopped */
    atomic_int parked;
    uint64_t generation;            /* E only */
};

/* The watchdog armed on this thread, for the signal handler. */
static _Thread_local vt_watchdog *_Atomic armed_here;

static void timeout_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    vt_watchdog *wd = atomic_load(&armed_here);
    /* No position here: the message handler adds the rule's FILE:LINE. */
    lua_pushfstring(L, "stopped: used more than its time limit of %d ms",
                    wd ? (int)(atomic_load(&wd->budget_ns) / 1000000) : 0);
    lua_error(L);
}

static void on_signal(int sig)
{
    (void)sig;
    int saved_errno = errno;
    vt_watchdog *wd = atomic_load(&armed_here);
    if (wd) {
        uint64_t g = atomic_load(&wd->armed);
        if (g != 0 && g == atomic_load(&wd->tripped))
            lua_sethook(wd->L, timeout_hook, LUA_MASKCOUNT, 1);
    }
    errno = saved_errno;
}

static pthread_once_t handler_once = PTHREAD_ONCE_INIT;
static int handler_ok;

static void install_handler(void)
{
    struct sigaction sa;
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    handler_ok = sigaction(WATCHDOG_SIGNAL, &sa, NULL) == 0;
}

static long long thread_cpu_ns(pthread_t thread)
{
    clockid_t clock;
    struct timespec ts;
    if (pthread_getcpuclockid(thread, &clock) != 0 || clock_gettime(clock, &ts) != 0)
        return -1;
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void deadline_after(struct timespec *ts, long long ns)
{
    clock_gettime(CLOCK_MONOTONIC, ts);
    ns += ts->tv_nsec;
    ts->tv_sec += (time_t)(ns / 1000000000LL);
    ts->tv_nsec = (long)(ns % 1000000000LL);
}

/* One tick of W with mu held: follow the armed generation's CPU time. */
static void check_owner(vt_watchdog *wd, uint64_t g, uint64_t *seen, long long *start_ns)
{
    if (!wd->has_owner)
        return;
    long long now = thread_cpu_ns(wd->owner);
    if (now < 0)
        return;
    if (g != *seen) {
        *seen = g;
        *start_ns = now;
    } else if (now - *start_ns >= atomic_load(&wd->budget_ns) && atomic_load(&wd->tripped) != g) {
        atomic_store(&wd->tripped, g);
        pthread_kill(wd->owner, WATCHDOG_SIGNAL);
    }
}

static void *watch(void *arg)
{
    vt_watchdog *wd = arg;
    uint64_t seen = 0;
    long long start_ns = 0, idle_ns = 0;
    pthread_mutex_lock(&wd->mu);
    while (!wd->stop) {
        uint64_t g = atomic_load(&wd->armed);
        if (g != 0) {
            idle_ns = 0;
            check_owner(wd, g, &seen, &start_ns);
        } else if ((idle_ns += wd->tick_ns) >= PARK_AFTER_NS) {
            atomic_store(&wd->parked, 1);
            if (atomic_load(&wd->armed) == 0 && !wd->stop)
                pthread_cond_wait(&wd->cv, &wd->mu);
            atomic_store(&wd->parked, 0);
            idle_ns = 0;
            continue;
        }
        struct timespec until;
        deadline_after(&until, wd->tick_ns);
        pthread_cond_timedwait(&wd->cv, &wd->mu, &until);
    }
    pthread_mutex_unlock(&wd->mu);
    return NULL;
}

static int init_sync(vt_watchdog *wd)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return -1;
    int rc = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (rc == 0)
        rc = pthread_cond_init(&wd->cv, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        return -1;
    if (pthread_mutex_init(&wd->mu, NULL) != 0) {
        pthread_cond_destroy(&wd->cv);
        return -1;
    }
    return 0;
}

vt_watchdog *vt_watchdog_start(lua_State *L, double min_budget_ms)
{
    pthread_once(&handler_once, install_handler);
    if (!handler_ok)
        return NULL;
    vt_watchdog *wd = calloc(1, sizeof *wd);
    if (!wd)
        return NULL;
    wd->L = L;
    wd->tick_ns = (long long)(min_budget_ms * 1e5);   /* a tenth of the budget */
    if (wd->tick_ns < 1000000LL)
        wd->tick_ns = 1000000LL;
    if (wd->tick_ns > 50000000LL)
        wd->tick_ns = 50000000LL;
    if (init_sync(wd) != 0) {
        free(wd);
        return NULL;
    }
    /* The watchdog thread takes no signals; this thread must take SIGURG. */
    sigset_t all, old, urg;
    sigfillset(&all);
    sigemptyset(&urg);
    sigaddset(&urg, WATCHDOG_SIGNAL);
    pthread_sigmask(SIG_UNBLOCK, &urg, NULL);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&wd->thread, NULL, watch, wd);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        pthread_cond_destroy(&wd->cv);
        pthread_mutex_destroy(&wd->mu);
        free(wd);
        return NULL;
    }
    return wd;
}

void vt_watchdog_stop(vt_watchdog *wd)
{
    if (!wd)
        return;
    pthread_mutex_lock(&wd->mu);
    wd->stop = 1;
    pthread_cond_signal(&wd->cv);
    pthread_mutex_unlock(&wd->mu);
    pthread_join(wd->thread, NULL);
    pthread_cond_destroy(&wd->cv);
    pthread_mutex_destroy(&wd->mu);
    free(wd);
}

void vt_watchdog_arm(vt_watchdog *wd, double budget_ms)
{
    pthread_t self = pthread_self();
    if (!wd->has_owner || !pthread_equal(wd->owner, self)) {
        pthread_mutex_lock(&wd->mu);
        wd->owner = self;
        wd->has_owner = 1;
        pthread_mutex_unlock(&wd->mu);
    }
    atomic_store(&armed_here, wd);
    atomic_store(&wd->budget_ns, (long long)(budget_ms * 1e6));
    atomic_store(&wd->armed, ++wd->generation);
    if (atomic_load(&wd->parked)) {
        pthread_mutex_lock(&wd->mu);
        pthread_cond_signal(&wd->cv);
        pthread_mutex_unlock(&wd->mu);
    }
}

void vt_watchdog_disarm(vt_watchdog *wd)
{
    atomic_store(&wd->armed, 0);
    atomic_store(&armed_here, NULL);
    lua_sethook(wd->L, NULL, 0, 0);
}
