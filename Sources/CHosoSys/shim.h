#ifndef CHOSOSYS_SHIM_H
#define CHOSOSYS_SHIM_H
#include <errno.h>
#include <unistd.h>
#include <sys/syscall.h>

/* renameat2(RENAME_NOREPLACE): glibc declares it only under _GNU_SOURCE, which Swift's Glibc module
   does not set, so call the system call directly. Returns -1 with errno ENOSYS or EINVAL where the
   kernel or file system lacks it; the caller then falls back to link() + unlink(). */
static inline int choso_rename_noreplace(int olddirfd, const char *oldpath, int newdirfd, const char *newpath) {
#ifdef SYS_renameat2
    return (int)syscall(SYS_renameat2, olddirfd, oldpath, newdirfd, newpath, 1u /* RENAME_NOREPLACE */);
#else
    errno = ENOSYS;
    return -1;
#endif
}
#endif
