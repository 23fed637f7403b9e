/* Pseudo-terminals: a master from /dev/ptmx and its peer opened through TIOCGPTPEER, which opens
 * the slave from the master's own devpts instance instead of by the name /dev/pts/N (a name a
 * container could swap: CVE-2025-52565); window size via TIOCGWINSZ/TIOCSWINSZ.
 * Man pages: pty(7), ioctl_tty(2), ptmx(4). */
#include "nsinit.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

int nsinit_pty_open(int *master, int *slave, struct nsinit_err *e)
{
  int m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0) return nsinit_err_set(e, errno, "open", "/dev/ptmx");
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
