/*
 * enosys-wrap: runs /usr/sbin/kexec-reboot.real under a seccomp filter that answers ENOSYS to
 * kexec_file_load(2), the way a kernel older than 3.17 (or one without CONFIG_KEXEC_FILE) does.
 *
 * Why this exists: the VM test's `--break seccomp-enosys` scenario (tests/vm/run-vm.sh) moves
 * the product's binary aside and installs this in its place, so the unchanged rc script runs the
 * product with no kexec_file_load; the product must then fall back to `kexec -l` (kexec_load(2),
 * which the filter lets through, as it does everything else) and the reboot must still come back
 * in kernel B. The filter is inherited by the `kexec` child, as it would be on an old kernel.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef REAL_BINARY
#define REAL_BINARY "/usr/sbin/kexec-reboot.real"
#endif

int main(int argc, char **argv)
{
    struct sock_filter filter[] = {
        /* Another architecture's calls (x32, i386): leave them alone. */
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_kexec_file_load, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {
        .len = (unsigned short)(sizeof(filter) / sizeof(filter[0])),
        .filter = filter,
    };

    (void)argc;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        fprintf(stderr, "enosys-wrap: PR_SET_NO_NEW_PRIVS: %s\n", strerror(errno));
        return 1;
    }
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) {
        fprintf(stderr, "enosys-wrap: PR_SET_SECCOMP: %s\n", strerror(errno));
        return 1;
    }
    argv[0] = REAL_BINARY;
    execv(REAL_BINARY, argv);
    fprintf(stderr, "enosys-wrap: executing %s: %s\n", REAL_BINARY, strerror(errno));
    return 1;
}
