// SPDX-License-Identifier: GPL-2.0-only
/*
 * Children synchronised over a socketpair (the pidfd_setns_test.c idiom):
 * spawn by fork/clone/clone3 or exec of the test binary, wait until the
 * child is ready, release and reap it.
 * See osm_test_util.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#include "osm_test_util.h"

#define MSG_READY	'R'
#define MSG_ERROR	'E'
#define MSG_RELEASE	'X'

static pid_t spawn(enum osm_spawn how, unsigned long flags)
{
	struct clone_args args = {
		.flags = flags,
		.exit_signal = SIGCHLD,
	};

	switch (how) {
	case OSM_SPAWN_FORK:
		return fork();
	case OSM_SPAWN_CLONE:
		/* No CLONE_VM: the child runs on a copy of this stack. */
		return syscall(SYS_clone, flags | SIGCHLD, 0, NULL, NULL, 0);
	case OSM_SPAWN_CLONE3:
		return syscall(SYS_clone3, &args, CLONE_ARGS_SIZE_VER0);
	}
	errno = EINVAL;
	return -1;
}

static void child_reap(struct osm_child *c)
{
	while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
		;
	if (c->sock >= 0)
		close(c->sock);
	if (c->child_sock >= 0)
		close(c->child_sock);
	c->sock = c->child_sock = -1;
	c->pid = 0;
}

static void child_describe_exit(struct osm_child *c)
{
	size_t l = strlen(c->err);

	if (WIFEXITED(c->status))
		snprintf(c->err + l, sizeof(c->err) - l,
			 "%schild exited with %d before it was ready",
			 l ? "; " : "", WEXITSTATUS(c->status));
	else if (WIFSIGNALED(c->status))
		snprintf(c->err + l, sizeof(c->err) - l,
			 "%schild killed by signal %d before it was ready",
			 l ? "; " : "", WTERMSIG(c->status));
}

/* Wait for the first message of the child; see osm_child_start(). */
static int child_wait_ready(struct osm_child *c, void *reply, size_t len)
{
	char msg[1 + 4096];
	struct pollfd pfd[2];
	int pidfd = syscall(SYS_pidfd_open, c->pid, 0);
	ssize_t n;

	pfd[0].fd = c->sock;
	pfd[0].events = POLLIN;
	pfd[1].fd = pidfd;
	pfd[1].events = POLLIN;
	for (;;) {
		/* Without a pidfd (pre-5.3) block on the socket alone. */
		if (poll(pfd, pidfd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents || (pidfd >= 0 && pfd[1].revents))
			break;
	}
	n = recv(c->sock, msg, sizeof(msg), MSG_DONTWAIT);
	if (pidfd >= 0)
		close(pidfd);
	if (n > 0 && msg[0] == MSG_READY) {
		if (reply && (size_t)n - 1 != len) {
			snprintf(c->err, sizeof(c->err),
				 "child sent %zd bytes, expected %zu", n - 1,
				 len);
			osm_child_finish(c);
			errno = EPROTO;
			return -1;
		}
		if (reply)
			memcpy(reply, msg + 1, len);
		return 0;
	}
	if (n > 0 && msg[0] == MSG_ERROR)
		snprintf(c->err, sizeof(c->err), "%.*s", (int)n - 1, msg + 1);
	else if (n > 0)
		snprintf(c->err, sizeof(c->err), "bad message from child");
	osm_child_finish(c);
	child_describe_exit(c);
	errno = ECHILD;
	return -1;
}

int osm_child_start(struct osm_child *c, enum osm_spawn how,
		    unsigned long flags, osm_child_fn fn, void *arg,
		    void *reply, size_t len)
{
	bool shared = flags & CLONE_FILES;
	pid_t parent = getpid();
	int sv[2];

	memset(c, 0, sizeof(*c));
	c->sock = c->child_sock = -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	fflush(stdout);
	fflush(stderr);
	c->pid = spawn(how, flags);
	if (c->pid < 0) {
		snprintf(c->err, sizeof(c->err), "spawn: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (c->pid == 0) {
		if (!shared)
			close(sv[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* In a new pid namespace the parent has no number: 0. */
		if (getppid() != (flags & CLONE_NEWPID ? 0 : parent))
			_exit(1);
		_exit(fn(sv[1], arg));
	}
	c->sock = sv[0];
	if (shared)
		c->child_sock = sv[1];
	else
		close(sv[1]);
	return child_wait_ready(c, reply, len);
}

/* Child side of osm_child_start_exec(): become the waiting test binary. */
static int exec_self(int sock, void *arg)
{
	char fdstr[16];
	int fd;

	(void)arg;
	fd = fcntl(sock, F_DUPFD, 3);	/* without FD_CLOEXEC */
	if (fd < 0)
		osm_child_fail(sock, "dup: %m");
	snprintf(fdstr, sizeof(fdstr), "%d", fd);
	execl("/proc/self/exe", "/proc/self/exe", OSM_TEST_WAIT_ARG, fdstr,
	      (char *)NULL);
	osm_child_fail(sock, "exec /proc/self/exe: %m");
}

int osm_child_start_exec(struct osm_child *c)
{
	return osm_child_start(c, OSM_SPAWN_FORK, 0, exec_self, NULL, NULL, 0);
}

int osm_child_step(struct osm_child *c, void *reply, size_t len)
{
	char m = MSG_RELEASE;

	if (c->pid <= 0) {
		errno = ECHILD;
		return -1;
	}
	c->err[0] = '\0';
	if (send(c->sock, &m, 1, MSG_NOSIGNAL) < 0) {
		int saved = errno;

		snprintf(c->err, sizeof(c->err), "release: %s",
			 strerror(saved));
		osm_child_finish(c);
		errno = saved;
		return -1;
	}
	return child_wait_ready(c, reply, len);
}

int osm_child_finish(struct osm_child *c)
{
	char m = MSG_RELEASE;

	if (c->pid <= 0)
		return -1;
	if (c->sock >= 0)
		send(c->sock, &m, 1, MSG_NOSIGNAL);
	child_reap(c);
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status);
	return 128 + WTERMSIG(c->status);
}

int osm_child_ready(int sock, const void *data, size_t len)
{
	char msg[1 + 4096], m;
	ssize_t n;

	if (len > sizeof(msg) - 1) {
		errno = EMSGSIZE;
		return -1;
	}
	msg[0] = MSG_READY;
	if (len)
		memcpy(msg + 1, data, len);
	if (send(sock, msg, 1 + len, MSG_NOSIGNAL) < 0)
		return -1;
	do
		n = recv(sock, &m, 1, 0);	/* release or EOF */
	while (n < 0 && errno == EINTR);
	return 0;
}

char *osm_child_make_regions(int nr)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p;
	int i;

	p = mmap(NULL, (size_t)nr * page, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	for (i = 0; i < nr; i += 2)
		if (mprotect(p + (size_t)i * page, page,
			     PROT_READ | PROT_WRITE))
			return NULL;
	return p;
}

int osm_child_dup_fds(int nr)
{
	int fd = open("/dev/null", O_RDONLY), i;

	if (fd < 0)
		return -1;
	for (i = 0; i < nr; i++)
		if (dup(fd) < 0)
			return -1;
	return 0;
}

int osm_child_grow(int nr_regions, int nr_fds)
{
	struct rlimit rl = { nr_fds + 64, nr_fds + 64 };

	if (!osm_child_make_regions(nr_regions))
		return -1;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	return osm_child_dup_fds(nr_fds);
}

pid_t osm_child_fork_sleeper(void)
{
	int block[2];
	pid_t kid;
	char c;

	if (pipe(block))
		return -1;
	kid = fork();
	if (!kid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(block[1]);
		while (read(block[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(block[0]);	/* the write end stays open in the parent */
	if (kid < 0)
		close(block[1]);
	return kid;
}

int osm_child_idle(int sock, void *arg)
{
	(void)arg;
	return osm_child_ready(sock, NULL, 0) ? 1 : 0;
}

void osm_child_fail(int sock, const char *fmt, ...)
{
	char msg[1 + 4096];
	int saved = errno;
	va_list ap;

	msg[0] = MSG_ERROR;
	va_start(ap, fmt);
	errno = saved;
	vsnprintf(msg + 1, sizeof(msg) - 1, fmt, ap);
	va_end(ap);
	send(sock, msg, 1 + strlen(msg + 1), MSG_NOSIGNAL);
	_exit(1);
}

int osm_test_wait_main(int argc, char **argv)
{
	int fd = argc >= 3 ? atoi(argv[2]) : -1;

	if (fd < 0)
		return 2;
	if (osm_child_ready(fd, NULL, 0))
		return 1;
	return 0;
}
