/* Pseudo-terminals: a master from /dev/ptmx (ours, or a live container's, so a process joining
 * it gets a terminal its own /dev/pts shows) and its peer opened through TIOCGPTPEER, which opens
 * the slave from the master's own devpts instance instead of by the name /dev/pts/N (a name a
 * container could swap: CVE-2025-52565); window size via TIOCGWINSZ/TIOCSWINSZ; the caller's
 * terminal modes (TCGETS/TCSETS) for raw mode and its exact restore.
 * Man pages: pty(7), ioctl_tty(2), ptmx(4), termios(3), openat2(2), pidfd_send_signal(2). */
#include "nsinit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

#include "syscalls.h"

/* The container's /dev/ptmx, opened from the host: resolved inside the root of `pid` (whose
 * pidfd proves it is still the container's process after the /proc lookup) with RESOLVE_IN_ROOT,
 * first as O_PATH so nothing is opened until it is known to be a ptmx (5:2): a container holding
 * CAP_MKNOD could put any device node there, and opening some devices has effects. */
static int open_container_ptmx(int pidfd, int pid, struct nsinit_err *e)
{
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/root", pid);
  int root = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return nsinit_err_set(e, errno, "open", path);
  if (nsinit_sys_pidfd_send_signal(pidfd, 0) < 0) {
    int err = errno;
    close(root);
    return nsinit_err_set(e, err, "pidfd_send_signal", path);
  }
  int p = nsinit_sys_openat2(root, "/dev/ptmx", O_PATH | O_CLOEXEC,
                             RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  int err = errno;
  close(root);
  if (p < 0) return nsinit_err_set(e, err, "openat2", "/dev/ptmx");
  struct stat st;
  if (fstat(p, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(5, 2)) {
    close(p);
    return nsinit_err_set(e, ENOTTY, "open", "/dev/ptmx (not the pty multiplexer)");
  }
  snprintf(path, sizeof path, "/proc/self/fd/%d", p);
  int m = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
  err = errno;
  close(p);
  if (m < 0) return nsinit_err_set(e, err, "open", "/dev/ptmx");
  return m;
}

int nsinit_pty_open(int pidfd, int pid, int *master, int *slave, struct nsinit_err *e)
{
  int m = pidfd >= 0 ? open_container_ptmx(pidfd, pid, e)
                     : open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) return pidfd >= 0 ? -1 : nsinit_err_set(e, errno, "open", "/dev/ptmx");
  int unlock = 0;
  if (ioctl(m, TIOCSPTLCK, &unlock) < 0) {
    int err = errno;
    close(m);
    return nsinit_err_set(e, err, "ioctl", "TIOCSPTLCK");
  }
  int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (s < 0) {
    int err = errno;
    close(m);
    return nsinit_err_set(e, err, "ioctl", "TIOCGPTPEER");
  }
  *master = m;
  *slave = s;
  return 0;
}

int nsinit_pty_get_winsize(int fd, unsigned *cols, unsigned *rows, struct nsinit_err *e)
{
  struct winsize ws;
  if (ioctl(fd, TIOCGWINSZ, &ws) < 0) return nsinit_err_set(e, errno, "ioctl", "TIOCGWINSZ");
  *cols = ws.ws_col;
  *rows = ws.ws_row;
  return 0;
}

int nsinit_pty_set_winsize(int fd, unsigned cols, unsigned rows, struct nsinit_err *e)
{
  struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) return nsinit_err_set(e, errno, "ioctl", "TIOCSWINSZ");
  return 0;
}

int nsinit_pty_get_termios(int fd, struct termios *t, struct nsinit_err *e)
{
  if (tcgetattr(fd, t) < 0) return nsinit_err_set(e, errno, "ioctl", "TCGETS");
  return 0;
}

int nsinit_pty_set_termios(int fd, const struct termios *t, struct nsinit_err *e)
{
  /* TCSANOW: a restore must not wait for output a dead container left queued on a terminal
   * nobody reads (TCSADRAIN could block forever); typed-ahead input is kept, as TCSAFLUSH would
   * drop it. EINTR: a SIGWINCH or forwarded signal may interrupt the ioctl; it changed nothing. */
  for (;;) {
    if (tcsetattr(fd, TCSANOW, t) == 0) return 0;
    if (errno != EINTR) return nsinit_err_set(e, errno, "ioctl", "TCSETS");
  }
}

int nsinit_pty_make_raw(int fd, struct termios *saved, struct nsinit_err *e)
{
  if (nsinit_pty_get_termios(fd, saved, e)) return -1;
  struct termios raw = *saved;
  /* cfmakeraw(3), as the 2014 nsinit did it (pkg/term): every byte reaches the container's own
   * line discipline unchanged. No input translation (ICRNL would turn Enter into \n twice), no
   * output post-processing (OPOST: the container's pty already turned \n into \r\n), no echo
   * (the container's terminal echoes), no signals from ^C/^Z here (ISIG: they must reach the
   * container's foreground job as bytes), 8-bit characters, and read() returns per byte. */
  raw.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
  raw.c_oflag &= ~(tcflag_t)OPOST;
  raw.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  raw.c_cflag &= ~(tcflag_t)(CSIZE | PARENB);
  raw.c_cflag |= CS8;
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  return nsinit_pty_set_termios(fd, &raw, e);
}
