/*
 * atomic_file.c - a temporary file in the target's directory, filled,
 * synced and renamed over the target: the rename is atomic, so a reader (a
 * BI tool picking up at-risk.csv) never sees a half-written file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"

/* VT_OK when path's directory exists and is a directory. */
static vt_status check_directory(const char *path, vt_error *err)
{
    char *dir = strdup(path);
    if (!dir)
        return vt_fail(err, VT_EINTERNAL, "out of memory");
    char *slash = strrchr(dir, '/');
    const char *d = !slash ? "." : slash == dir ? "/" : (*slash = '\0', dir);
    struct stat sb;
    vt_status st = VT_OK;
    if (stat(d, &sb) != 0)
        st = vt_fail(err, VT_EINPUT, "%s: directory %s does not exist", path, d);
    else if (!S_ISDIR(sb.st_mode))
        st = vt_fail(err, VT_EINPUT, "%s: %s is not a directory", path, d);
    free(dir);
    return st;
}

/* Permissions of a new file under the current umask (mkstemp uses 0600). */
static mode_t file_mode(void)
{
    mode_t mask = umask(0);
    umask(mask);
    return 0666 & ~mask;
}

/* Fill the open temporary file and close it, checking that everything
 * reached the disk. */
static vt_status fill(int fd, const char *tmp, vt_write_fn write, void *ctx, vt_error *err)
{
    FILE *f = fdopen(fd, "w");
    if (!f) {
        vt_status st = vt_fail(err, VT_EINTERNAL, "%s: %s", tmp, strerror(errno));
        close(fd);
        return st;
    }
    vt_status st = write(f, ctx, err);
    if (st == VT_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        st = vt_fail(err, VT_EINTERNAL, "%s: cannot write: %s", tmp, strerror(errno));
    if (fclose(f) != 0 && st == VT_OK)
        st = vt_fail(err, VT_EINTERNAL, "%s: cannot write: %s", tmp, strerror(errno));
    return st;
}

vt_status vt_write_file_atomic(const char *path, vt_write_fn write, void *ctx, vt_error *err)
{
    vt_status st = check_directory(path, err);
    if (st != VT_OK)
        return st;
    size_t n = strlen(path);
    char *tmp = malloc(n + 8);
    if (!tmp)
        return vt_fail(err, VT_EINTERNAL, "out of memory");
    memcpy(tmp, path, n);         /* mkstemp's template: PATH, a dot, six X */
    tmp[n] = '.';
    memset(tmp + n + 1, 'X', 6);
    tmp[n + 7] = '\0';
    int fd = mkstemp(tmp);
    if (fd < 0) {
        st = vt_fail(err, VT_EINPUT, "%s: cannot create: %s", path, strerror(errno));
        free(tmp);
        return st;
    }
    if (fchmod(fd, file_mode()) != 0) {
        st = vt_fail(err, VT_EINTERNAL, "%s: %s", tmp, strerror(errno));
        close(fd);
    } else {
        st = fill(fd, tmp, write, ctx, err);
    }
    if (st == VT_OK && rename(tmp, path) != 0)
        st = vt_fail(err, VT_EINPUT, "%s: cannot write: %s", path, strerror(errno));
    if (st != VT_OK)
        unlink(tmp);
    free(tmp);
    return st;
}
