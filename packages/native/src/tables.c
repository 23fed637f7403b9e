/* Name tables taken from the kernel and libc headers at build time, so the runtime never
 * hard-codes a number: CAP_* (capabilities(7)), RLIMIT_* (getrlimit(2)) and the CLONE_NEW*, MS_*,
 * S_IF*, MNT_* and signal constants that appear in plans, and the termios(3) mode bits. */
#include "nsinit.h"

#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <termios.h>

/* The tables are laid out by hand: clang-format cannot lay out these macro lists. */
// clang-format off
#define C(name) {#name, name}
#define CAP(name) {#name, CAP_##name}

const struct nsinit_const nsinit_capabilities[] = {
    CAP(CHOWN), CAP(DAC_OVERRIDE), CAP(DAC_READ_SEARCH), CAP(FOWNER), CAP(FSETID), CAP(KILL),
    CAP(SETGID), CAP(SETUID), CAP(SETPCAP), CAP(LINUX_IMMUTABLE), CAP(NET_BIND_SERVICE),
    CAP(NET_BROADCAST), CAP(NET_ADMIN), CAP(NET_RAW), CAP(IPC_LOCK), CAP(IPC_OWNER),
    CAP(SYS_MODULE), CAP(SYS_RAWIO), CAP(SYS_CHROOT), CAP(SYS_PTRACE), CAP(SYS_PACCT),
    CAP(SYS_ADMIN), CAP(SYS_BOOT), CAP(SYS_NICE), CAP(SYS_RESOURCE), CAP(SYS_TIME),
    CAP(SYS_TTY_CONFIG), CAP(MKNOD), CAP(LEASE), CAP(AUDIT_WRITE), CAP(AUDIT_CONTROL),
    CAP(SETFCAP), CAP(MAC_OVERRIDE), CAP(MAC_ADMIN), CAP(SYSLOG), CAP(WAKE_ALARM),
    CAP(BLOCK_SUSPEND), CAP(AUDIT_READ),
#ifdef CAP_PERFMON
    CAP(PERFMON),
#endif
#ifdef CAP_BPF
    CAP(BPF),
#endif
#ifdef CAP_CHECKPOINT_RESTORE
    CAP(CHECKPOINT_RESTORE),
#endif
    {0, 0},
};

const struct nsinit_const nsinit_rlimits[] = {
    C(RLIMIT_CPU),     C(RLIMIT_FSIZE),   C(RLIMIT_DATA),      C(RLIMIT_STACK),
    C(RLIMIT_CORE),    C(RLIMIT_RSS),     C(RLIMIT_NPROC),     C(RLIMIT_NOFILE),
    C(RLIMIT_MEMLOCK), C(RLIMIT_AS),      C(RLIMIT_LOCKS),     C(RLIMIT_SIGPENDING),
    C(RLIMIT_MSGQUEUE), C(RLIMIT_NICE),   C(RLIMIT_RTPRIO),    C(RLIMIT_RTTIME),
    {0, 0},
};

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

const struct nsinit_const nsinit_constants[] = {
    C(CLONE_NEWNS), C(CLONE_NEWUTS), C(CLONE_NEWIPC), C(CLONE_NEWUSER), C(CLONE_NEWPID),
    C(CLONE_NEWNET), C(CLONE_NEWCGROUP), C(CLONE_NEWTIME),
    C(MS_RDONLY), C(MS_NOSUID), C(MS_NODEV), C(MS_NOEXEC), C(MS_SYNCHRONOUS), C(MS_REMOUNT),
    C(MS_NOATIME), C(MS_NODIRATIME), C(MS_BIND), C(MS_MOVE), C(MS_REC), C(MS_SILENT),
    C(MS_UNBINDABLE), C(MS_PRIVATE), C(MS_SLAVE), C(MS_SHARED), C(MS_RELATIME), C(MS_STRICTATIME), C(MS_NOSYMFOLLOW),
    C(MNT_FORCE), C(MNT_DETACH), C(MNT_EXPIRE), C(UMOUNT_NOFOLLOW),
    C(S_IFMT), C(S_IFCHR), C(S_IFBLK), C(S_IFIFO), C(S_IFREG), C(S_IFDIR),
    C(SIGHUP), C(SIGINT), C(SIGQUIT), C(SIGILL), C(SIGTRAP), C(SIGABRT), C(SIGBUS), C(SIGFPE),
    C(SIGKILL), C(SIGUSR1), C(SIGSEGV), C(SIGUSR2), C(SIGPIPE), C(SIGALRM), C(SIGTERM),
    C(SIGSTKFLT), C(SIGCHLD), C(SIGCONT), C(SIGSTOP), C(SIGTSTP), C(SIGTTIN), C(SIGTTOU),
    C(SIGURG), C(SIGXCPU), C(SIGXFSZ), C(SIGVTALRM), C(SIGPROF), C(SIGWINCH), C(SIGIO),
    C(SIGPWR), C(SIGSYS),
    C(IGNBRK), C(BRKINT), C(PARMRK), C(ISTRIP), C(INLCR), C(IGNCR), C(ICRNL), C(IXON),
    C(OPOST), C(ONLCR), C(ECHO), C(ECHONL), C(ICANON), C(ISIG), C(IEXTEN), C(CSIZE), C(PARENB),
    C(CS8),
    {0, 0},
};
// clang-format on
