/* link: bring a network interface of the child's own network namespace up (and set its MTU) with
 * SIOCSIFFLAGS/SIOCSIFMTU on a throwaway socket. Used where the parent cannot reach the
 * namespace: a rootless container's network namespace belongs to its new user namespace, and
 * setns(2) into it needs CAP_SYS_ADMIN in the caller's own namespace too, which an unprivileged
 * parent lacks; the child holds CAP_NET_ADMIN there until its capability step. Man pages:
 * netdevice(7), ioctl(2). */
#include "nsinit.h"

#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int nsinit_link_up(const struct nsinit_step *s, struct nsinit_err *e)
{
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return nsinit_err_set(e, errno, "socket", s->path);
  struct ifreq ifr;
  memset(&ifr, 0, sizeof(ifr));
  /* The decoder bounded the name below IFNAMSIZ. */
  memcpy(ifr.ifr_name, s->path, strlen(s->path));
  int rc = -1;
  /* MTU first: the kernel refuses IPv4 on a link below 68, and an up link keeps what it got. */
  if (s->mode != 0) {
    ifr.ifr_mtu = (int)s->mode;
    if (ioctl(fd, SIOCSIFMTU, &ifr) < 0) {
      nsinit_err_set(e, errno, "ioctl(SIOCSIFMTU)", s->path);
      goto out;
    }
  }
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
    nsinit_err_set(e, errno, "ioctl(SIOCGIFFLAGS)", s->path);
    goto out;
  }
  ifr.ifr_flags |= IFF_UP;
  if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0) {
    nsinit_err_set(e, errno, "ioctl(SIOCSIFFLAGS)", s->path);
    goto out;
  }
  rc = 0;
out:
  close(fd);
  return rc;
}
