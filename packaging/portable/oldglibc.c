/*
 * oldglibc.c: the few libc functions Rust's std calls directly that CentOS 5's glibc 2.5 (and
 * CentOS 6's 2.12) lacks, so one binary links against glibc 2.5 symbols and runs on CentOS 5, 6
 * and 7. Linked into the portable build only (packaging/portable/build.sh); being defined in the
 * executable, these take the place of glibc's own versions where glibc has them, so each one
 * does what glibc's does on a current kernel and falls back to older syscalls on an old one.
 *
 *   getauxval           glibc 2.16  std's stack-overflow handler asks for AT_MINSIGSTKSZ
 *   pthread_setname_np  glibc 2.12  std names every thread it spawns
 *   pipe2               glibc 2.9   std's Command (stdio pipes, the exec-error pipe);
 *                       kernel 2.6.27: on 2.6.18 fall back to pipe() + fcntl()
 *   socket              kernel 2.6.27 for SOCK_CLOEXEC/SOCK_NONBLOCK (std always asks for
 *                       SOCK_CLOEXEC): on 2.6.18 retry without the flags, then fcntl()
 *
 * Only raw syscalls and glibc 2.5 functions are used here. See docs/portability.md.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SOCK_CLOEXEC
#define SOCK_CLOEXEC 02000000
#endif
#ifndef SOCK_NONBLOCK
#define SOCK_NONBLOCK 04000
#endif

/* The auxiliary vector, read once from /proc/self/auxv (kernels >= 2.6.0). */
static unsigned long auxv_words[2 * 64];
static long auxv_count = -1; /* words read; -1: not read yet */

unsigned long getauxval(unsigned long type)
{
    long i;
    if (auxv_count < 0) {
        long n = 0;
        int fd = (int)syscall(SYS_open, "/proc/self/auxv", O_RDONLY);
        if (fd >= 0) {
            char *p = (char *)auxv_words;
            long want = (long)sizeof(auxv_words);
            while (n < want) {
                long r = syscall(SYS_read, fd, p + n, want - n);
                if (r < 0 && errno == EINTR)
                    continue;
                if (r <= 0)
                    break;
                n += r;
            }
            syscall(SYS_close, fd);
        }
        auxv_count = n / (long)sizeof(unsigned long);
    }
    for (i = 0; i + 1 < auxv_count; i += 2) {
        if (auxv_words[i] == 0)
            break; /* AT_NULL */
        if (auxv_words[i] == type)
            return auxv_words[i + 1];
    }
    errno = ENOENT;
    return 0;
}

int pthread_setname_np(pthread_t thread, const char *name)
{
    if (strlen(name) > 15)
        return ERANGE;
    if (pthread_equal(thread, pthread_self()))
        return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0) == 0 ? 0 : errno;
    return 0; /* naming another thread is cosmetic; std never does it */
}

static int set_fd_flags(int fd, int cloexec, int nonblock)
{
    if (cloexec && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return -1;
    if (nonblock && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
        return -1;
    return 0;
}

int pipe2(int fds[2], int flags)
{
    long r = syscall(SYS_pipe2, fds, flags);
    if (r == 0 || errno != ENOSYS)
        return (int)r;
    if (syscall(SYS_pipe, fds) != 0)
        return -1;
    if (set_fd_flags(fds[0], flags & O_CLOEXEC, flags & O_NONBLOCK) < 0 ||
        set_fd_flags(fds[1], flags & O_CLOEXEC, flags & O_NONBLOCK) < 0) {
        int saved = errno;
        close(fds[0]);
        close(fds[1]);
        errno = saved;
        return -1;
    }
    return 0;
}

int socket(int domain, int type, int protocol)
{
    int flags = type & (SOCK_CLOEXEC | SOCK_NONBLOCK);
    long fd = syscall(SYS_socket, domain, type, protocol);
    if (fd >= 0 || errno != EINVAL || flags == 0)
        return (int)fd;
    fd = syscall(SYS_socket, domain, type & ~flags, protocol);
    if (fd < 0)
        return -1;
    if (set_fd_flags((int)fd, flags & SOCK_CLOEXEC, flags & SOCK_NONBLOCK) < 0) {
        int saved = errno;
        close((int)fd);
        errno = saved;
        return -1;
    }
    return (int)fd;
}
