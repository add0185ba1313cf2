/* The main context's poll step on an epoll set kept in step with GLib's
 * GPollFD array; see loop_epoll.h for why. */
#include "daemon/loop_epoll.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* GLib's condition bits are poll(2)'s, which are epoll's for these. */
G_STATIC_ASSERT((int)G_IO_IN == (int)EPOLLIN && (int)G_IO_OUT == (int)EPOLLOUT &&
                (int)G_IO_PRI == (int)EPOLLPRI && (int)G_IO_ERR == (int)EPOLLERR &&
                (int)G_IO_HUP == (int)EPOLLHUP);

#define EVENTS_MAX 4096 /* per epoll_wait; the rest (level-triggered) next turn */
#define RECHECK_US G_USEC_PER_SEC

/* One of these per descriptor number GLib has asked about. */
struct slot {
	guint gen;      /* the turn that last saw it in the array */
	guint idx;      /* its index in that turn's array */
	guint reg_pos;  /* its index in L.reg while registered */
	gushort events; /* what the set holds for it */
	guint8 registered;
	guint8 stale; /* the number may name another file now: re-register */
};

static struct {
	int epfd;
	GPollFunc prev;
	struct slot *tab; /* indexed by descriptor */
	guint n_tab;
	int *reg; /* the registered descriptors, dense */
	guint n_reg, cap_reg;
	struct epoll_event *evs;
	guint cap_evs;
	guint gen;
	gint64 recheck_us;
} L = {.epfd = -1};

/* Makes L.tab[FD] exist. FALSE when FD is absurd. */
static gboolean slot_grow(int fd)
{
	guint n = L.n_tab ? L.n_tab : 256;

	if ((guint)fd < L.n_tab)
		return TRUE;
	if (fd > (1 << 24))
		return FALSE;
	while (n <= (guint)fd)
		n *= 2;
	L.tab = g_renew(struct slot, L.tab, n);
	memset(L.tab + L.n_tab, 0, (n - L.n_tab) * sizeof(*L.tab));
	L.n_tab = n;
	return TRUE;
}

static void reg_add(int fd, struct slot *s)
{
	if (L.n_reg == L.cap_reg) {
		L.cap_reg = L.cap_reg ? L.cap_reg * 2 : 256;
		L.reg = g_renew(int, L.reg, L.cap_reg);
	}
	s->reg_pos = L.n_reg;
	L.reg[L.n_reg++] = fd;
	s->registered = 1;
	if (L.cap_evs < MIN(L.n_reg, EVENTS_MAX)) {
		L.cap_evs = MIN(L.cap_reg, EVENTS_MAX);
		L.evs = g_renew(struct epoll_event, L.evs, L.cap_evs);
	}
}

static void reg_remove(struct slot *s)
{
	int last = L.reg[--L.n_reg];

	L.reg[s->reg_pos] = last;
	L.tab[last].reg_pos = s->reg_pos;
	s->registered = 0;
}

/* Puts FD in the set with interest WANT (ADD or MOD, whichever the
 * kernel agrees with: a stale number may have left the set when its file
 * closed). Returns 0, or the revents poll(2) would give a descriptor
 * epoll refuses: NVAL for a closed one, ready for a regular file. */
static gushort slot_sync(int fd, struct slot *s, gushort want)
{
	struct epoll_event ev = {.events = want, .data.fd = fd};
	int op = s->registered ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	int rc = epoll_ctl(L.epfd, op, fd, &ev);

	if (rc < 0 && (errno == ENOENT || errno == EEXIST))
		rc = epoll_ctl(L.epfd, errno == ENOENT ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev);
	s->stale = 0;
	if (rc == 0) {
		s->events = want;
		if (!s->registered)
			reg_add(fd, s);
		return 0;
	}
	if (s->registered)
		reg_remove(s);
	return errno == EPERM ? want & (G_IO_IN | G_IO_OUT) : G_IO_NVAL;
}

/* A new turn number; on wrap-around every slot forgets its old one. */
static void next_gen(void)
{
	if (++L.gen)
		return;
	for (guint i = 0; i < L.n_tab; i++)
		L.tab[i].gen = 0;
	L.gen = 1;
}

/* Once a second every registration is checked again with one epoll_ctl
 * each: a descriptor number reused within one turn by a socket that
 * nobody announced (loop_epoll_fd_new) is then found within a second. */
static void maybe_recheck(void)
{
	gint64 now = g_get_monotonic_time();

	if (now < L.recheck_us)
		return;
	L.recheck_us = now + RECHECK_US;
	for (guint i = 0; i < L.n_reg; i++)
		L.tab[L.reg[i]].stale = 1;
}

/* The GPollFunc: g_poll's contract (fill revents, return how many have
 * any, -1 with errno on failure). O(nfds) in user space for the diff,
 * one epoll_ctl per changed descriptor, one epoll_wait. The same
 * descriptor twice in one array (two sources on one fd) goes to g_poll. */
static gint loop_epoll_poll(GPollFD *ufds, guint nfds, gint timeout)
{
	gint ready = 0;
	int n;

	next_gen();
	maybe_recheck();
	for (guint i = 0; i < nfds; i++) {
		GPollFD *u = &ufds[i];
		gushort want = u->events & (G_IO_IN | G_IO_OUT | G_IO_PRI);
		struct slot *s;

		u->revents = 0;
		if (u->fd < 0)
			continue;
		if (!slot_grow(u->fd))
			return g_poll(ufds, nfds, timeout);
		s = &L.tab[u->fd];
		if (s->gen == L.gen)
			return g_poll(ufds, nfds, timeout);
		s->gen = L.gen;
		s->idx = i;
		if (!s->registered || s->stale || s->events != want) {
			u->revents = slot_sync(u->fd, s, want);
			ready += u->revents != 0;
		}
	}
	/* What left the array leaves the set (a closed file has already). */
	for (guint j = 0; j < L.n_reg;) {
		int fd = L.reg[j];
		struct slot *s = &L.tab[fd];

		if (s->gen == L.gen) {
			j++;
			continue;
		}
		epoll_ctl(L.epfd, EPOLL_CTL_DEL, fd, NULL);
		reg_remove(s);
	}
	n = epoll_wait(L.epfd, L.evs, (int)L.cap_evs, ready ? 0 : timeout);
	if (n < 0)
		return ready ? ready : -1;
	for (int k = 0; k < n; k++) {
		int fd = L.evs[k].data.fd;
		struct slot *s = (guint)fd < L.n_tab ? &L.tab[fd] : NULL;
		GPollFD *u;
		gushort r;

		if (!s || !s->registered || s->gen != L.gen)
			continue;
		u = &ufds[s->idx];
		r = L.evs[k].events & (u->events | G_IO_ERR | G_IO_HUP);
		ready += r && !u->revents;
		u->revents |= r;
	}
	return ready;
}

gboolean loop_epoll_install(GMainContext *ctx, GError **err)
{
	if (L.epfd >= 0)
		return TRUE;
	L.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (L.epfd < 0) {
		g_set_error(err, G_IO_ERROR, g_io_error_from_errno(errno), "epoll_create1: %s",
		            g_strerror(errno));
		return FALSE;
	}
	L.cap_evs = 64;
	L.evs = g_new(struct epoll_event, L.cap_evs);
	L.prev = g_main_context_get_poll_func(ctx);
	g_main_context_set_poll_func(ctx, loop_epoll_poll);
	return TRUE;
}

void loop_epoll_uninstall(GMainContext *ctx)
{
	if (L.epfd < 0)
		return;
	g_main_context_set_poll_func(ctx, L.prev ? L.prev : g_poll);
	close(L.epfd);
	g_free(L.tab);
	g_free(L.reg);
	g_free(L.evs);
	memset(&L, 0, sizeof(L));
	L.epfd = -1;
}

void loop_epoll_fd_new(int fd)
{
	if (fd >= 0 && (guint)fd < L.n_tab)
		L.tab[fd].stale = 1;
}
