#ifndef CHOSOSYS_SHIM_H
#define CHOSOSYS_SHIM_H
#include <errno.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <malloc.h>

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

/* syncfs(2): flush every dirty page of the file system holding fd, in one call. Declared by glibc
   only under _GNU_SOURCE. Since Linux 5.8 it reports write-back errors. */
static inline int choso_syncfs(int fd) {
#ifdef SYS_syncfs
    return (int)syscall(SYS_syncfs, fd);
#else
    errno = ENOSYS;
    return -1;
#endif
}
/* The width in columns of the terminal on fd, or 0 when fd is no terminal or does not say
   (ioctl is variadic, which Swift cannot call). */
static inline int choso_terminal_columns(int fd) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) != 0) return 0;
    return (int)ws.ws_col;
}
/* mallopt(M_MMAP_THRESHOLD): allocations of at least `bytes` are mapped on their own and unmapped
   when freed; setting it also stops glibc from raising it by itself (see MemoryPolicy.swift). */
static inline void choso_set_mmap_threshold(int bytes) {
    (void)mallopt(M_MMAP_THRESHOLD, bytes);
}
#endif
