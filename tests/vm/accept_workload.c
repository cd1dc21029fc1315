// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel matrix's accept workload: a fixed set of accept4(2)/accept(2)
 * calls, each printed with the labels the exporter must give it, worked out
 * here from what the call was made on and what it returned, not from the
 * exporter's decoders. tests/vm/check sums these lines into the expected
 * series and compares them with the exporter's /metrics.
 *
 * It starts before the exporter: its first call sleeps in accept4 until
 * SIGUSR1 says the exporter is attached, so that the exporter sees the exit
 * of a call whose entry it missed. Then it makes the others, and leaves its
 * last call (a blocking accept4 nobody connects to) in the kernel until it is
 * killed, for the in-progress gauge. Output:
 *   waiting pid=123                        (first call asleep, send SIGUSR1)
 *   call syscall=accept4 flags=SOCK_CLOEXEC family=AF_INET listener=blocking errno=none listening=1 port=40001 entered=1
 *   held syscall=accept4 family=AF_INET listener=blocking pid=123
 * entered=0 marks the call that was already running when the exporter attached.
 *
 * Static C, raw syscalls: it runs unchanged in a busybox guest and on the
 * host, and libc cannot rewrite an accept into an accept4.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* the comm the checker selects the workload's series by */
#define WORKLOAD_COMM "a4vm_workload"

/* 0 while the first call, made before the exporter attached, is open */
static int entered_after_attach;

struct listener {
	int fd;
	int family;
	int nonblocking;
	struct sockaddr_storage address;
	socklen_t address_length;
};

static void die(const char *what)
{
	fprintf(stderr, "accept_workload: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void fail(const char *what)
{
	fprintf(stderr, "accept_workload: %s\n", what);
	exit(1);
}

static const char *family_label(int family)
{
	switch (family) {
	case AF_UNIX:
		return "AF_UNIX";
	case AF_INET:
		return "AF_INET";
	case AF_INET6:
		return "AF_INET6";
	default:
		return "unknown";
	}
}

static const char *errno_label(long ret)
{
	static char other[24];

	if (ret >= 0)
		return "none";
	switch (ret) {
	case -EAGAIN:
		return "EAGAIN";
	case -EINVAL:
		return "EINVAL";
	case -EBADF:
		return "EBADF";
	case -ENOTSOCK:
		return "ENOTSOCK";
	case -EOPNOTSUPP:
		return "EOPNOTSUPP";
	default:
		snprintf(other, sizeof(other), "E%ld", -ret);
		return other;
	}
}

static const char *flags_label(int flags)
{
	switch (flags) {
	case 0:
		return "none";
	case SOCK_CLOEXEC:
		return "SOCK_CLOEXEC";
	case SOCK_NONBLOCK:
		return "SOCK_NONBLOCK";
	case SOCK_CLOEXEC | SOCK_NONBLOCK:
		return "SOCK_CLOEXEC|SOCK_NONBLOCK";
	case 0x1: /* a bit accept4 does not know: one marker for all of them */
		return "unknown";
	default:
		fprintf(stderr, "accept_workload: no label for flags 0x%x\n", flags);
		exit(1);
	}
}

static void listen_on(struct listener *l, int family, int nonblocking)
{
	int type = SOCK_STREAM | (nonblocking ? SOCK_NONBLOCK : 0);

	memset(l, 0, sizeof(*l));
	l->family = family;
	l->nonblocking = nonblocking;
	l->fd = socket(family, type, 0);
	if (l->fd < 0)
		die("socket");
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&l->address;

		in->sin_family = AF_INET;
		in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		l->address_length = sizeof(*in);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&l->address;

		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_loopback;
		l->address_length = sizeof(*in6);
	} else {
		/* abstract, so nothing is left on the file system */
		struct sockaddr_un *un = (struct sockaddr_un *)&l->address;
		int length;

		un->sun_family = AF_UNIX;
		length = snprintf(un->sun_path + 1, sizeof(un->sun_path) - 1, "a4vm-%d-%d",
				  getpid(), l->fd);
		l->address_length = offsetof(struct sockaddr_un, sun_path) + 1 + length;
	}
	if (bind(l->fd, (struct sockaddr *)&l->address, l->address_length) < 0)
		die("bind");
	if (listen(l->fd, 16) < 0)
		die("listen");
	/* the kernel chose the inet port: read it back for connect */
	if (getsockname(l->fd, (struct sockaddr *)&l->address, &l->address_length) < 0)
		die("getsockname");
}

/* the port label: the local port of an inet listener, 0 for the rest (unbound ones too) */
static int listener_port(const struct listener *l)
{
	if (l->family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&l->address)->sin_port);
	if (l->family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&l->address)->sin6_port);
	return 0;
}

static int connect_to(const struct listener *l)
{
	int fd = socket(l->family, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)&l->address, l->address_length) < 0)
		die("connect");
	return fd;
}

/* One call, printed with its expected labels; a new connection is closed. */
static long do_accept(const char *syscall_name, int fd, int flags, int family,
		      const char *listener, const struct listener *listening)
{
	long ret;

	if (strcmp(syscall_name, "accept4") == 0)
		ret = syscall(SYS_accept4, fd, NULL, NULL, flags);
	else
		ret = syscall(SYS_accept, fd, NULL, NULL);
	if (ret < 0)
		ret = -errno;
	else
		close((int)ret);
	printf("call syscall=%s flags=%s family=%s listener=%s errno=%s listening=%d port=%d "
	       "entered=%d\n",
	       syscall_name, flags_label(flags), family_label(family), listener, errno_label(ret),
	       listening != NULL, listening ? listener_port(listening) : 0, entered_after_attach);
	return ret;
}

static const char *listener_label(const struct listener *l)
{
	return l->nonblocking ? "nonblocking" : "blocking";
}

/* An accept on a listener with a connection already queued: returns at once. */
static void accept_queued(const char *syscall_name, const struct listener *l, int flags)
{
	int client = connect_to(l);

	if (do_accept(syscall_name, l->fd, flags, l->family, listener_label(l), l) < 0) {
		fprintf(stderr, "accept_workload: %s on a queued connection failed\n",
			syscall_name);
		exit(1);
	}
	close(client);
}

static void accept_failing(const char *syscall_name, const struct listener *l, int flags,
			   long expected)
{
	long ret = do_accept(syscall_name, l->fd, flags, l->family, listener_label(l), l);

	if (ret != expected) {
		fprintf(stderr, "accept_workload: %s returned %ld, expected %ld\n", syscall_name,
			ret, expected);
		exit(1);
	}
}

/*
 * Whether thread `tid` sleeps inside accept4: its /proc syscall file names
 * the syscall it is in, its stat the sleep. This is how the workload knows a
 * blocking call really waits before it lets the call finish (or reports it
 * held), without sleeping for a guessed time.
 */
static int sleeps_in_accept4(pid_t tid)
{
	char path[64];
	char text[256];
	FILE *file;
	long number = -1;
	char state = '?';
	char *close_paren;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	file = fopen(path, "r");
	if (!file)
		die(path);
	if (fscanf(file, "%ld", &number) != 1)
		number = -1;
	fclose(file);
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	file = fopen(path, "r");
	if (!file)
		die(path);
	if (fgets(text, sizeof(text), file)) {
		close_paren = strrchr(text, ')');
		if (close_paren && close_paren[1] == ' ')
			state = close_paren[2];
	}
	fclose(file);
	return number == SYS_accept4 && state == 'S';
}

static void wait_until_sleeping_in_accept4(pid_t tid)
{
	const struct timespec tick = { .tv_nsec = 1000000 };

	while (!sleeps_in_accept4(tid))
		nanosleep(&tick, NULL);
}

enum release {
	RELEASE_AT_ONCE,
	RELEASE_ON_SIGUSR1,
	HOLD,
};

struct waiter {
	pid_t tid;
	const struct listener *listener;
	enum release release;
	int client;
};

static void *release_when_blocked(void *arg)
{
	struct waiter *w = arg;
	sigset_t usr1;
	int signal;

	wait_until_sleeping_in_accept4(w->tid);
	if (w->release == HOLD) {
		printf("held syscall=accept4 family=%s listener=blocking pid=%d\n",
		       family_label(w->listener->family), getpid());
		return NULL;
	}
	if (w->release == RELEASE_ON_SIGUSR1) {
		printf("waiting pid=%d\n", getpid());
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigwait(&usr1, &signal);
	}
	w->client = connect_to(w->listener);
	return NULL;
}

/* accept4 on a blocking listener with nothing queued: it sleeps until a connect */
static void accept_blocking(const struct listener *l, int flags, enum release release)
{
	struct waiter w = { .tid = gettid(), .listener = l, .release = release, .client = -1 };
	pthread_t thread;

	if (pthread_create(&thread, NULL, release_when_blocked, &w) != 0)
		die("pthread_create");
	if (release == HOLD) {
		/* never returns: the process is killed with the call in the kernel */
		syscall(SYS_accept4, l->fd, NULL, NULL, flags);
		fail("held accept4 returned");
	}
	if (do_accept("accept4", l->fd, flags, l->family, "blocking", l) < 0) {
		fail("blocking accept4 failed");
	}
	pthread_join(thread, NULL);
	close(w.client);
}

int main(void)
{
	struct listener inet_blocking, inet_nonblocking, inet6_blocking;
	struct listener unix_blocking, unix_nonblocking;
	int pipe_fds[2];
	int not_listening, datagram;

	sigset_t usr1;

	/* the leader's comm names the process in every series */
	prctl(PR_SET_NAME, WORKLOAD_COMM);
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* blocked in every thread: only sigwait takes it, no call is interrupted */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);

	listen_on(&inet_blocking, AF_INET, 0);
	listen_on(&inet_nonblocking, AF_INET, 1);
	listen_on(&inet6_blocking, AF_INET6, 0);
	listen_on(&unix_blocking, AF_UNIX, 0);
	listen_on(&unix_nonblocking, AF_UNIX, 1);

	/* open before the exporter attaches; its own flags, to tell its series apart */
	accept_blocking(&inet_blocking, SOCK_CLOEXEC | SOCK_NONBLOCK, RELEASE_ON_SIGUSR1);
	entered_after_attach = 1;

	/* successes: every flag combination, each family, both syscalls */
	accept_queued("accept4", &inet_blocking, 0);
	accept_queued("accept4", &inet_blocking, 0);
	accept_queued("accept4", &inet_blocking, SOCK_CLOEXEC);
	accept_queued("accept4", &inet6_blocking, SOCK_NONBLOCK);
	accept_queued("accept4", &inet6_blocking, SOCK_CLOEXEC | SOCK_NONBLOCK);
	accept_queued("accept4", &unix_blocking, SOCK_CLOEXEC);
	accept_queued("accept4", &inet_nonblocking, SOCK_NONBLOCK);
	accept_queued("accept4", &unix_nonblocking, 0);
	accept_queued("accept", &inet_blocking, 0);
	accept_queued("accept", &unix_blocking, 0);
	/* a call that really sleeps until a client connects */
	accept_blocking(&inet_blocking, SOCK_CLOEXEC, RELEASE_AT_ONCE);

	/* nothing queued on a non-blocking listener */
	accept_failing("accept4", &inet_nonblocking, SOCK_CLOEXEC, -EAGAIN);
	accept_failing("accept4", &inet_nonblocking, SOCK_CLOEXEC, -EAGAIN);
	accept_failing("accept4", &inet_nonblocking, SOCK_CLOEXEC, -EAGAIN);
	accept_failing("accept4", &unix_nonblocking, 0, -EAGAIN);
	accept_failing("accept4", &unix_nonblocking, 0, -EAGAIN);
	accept_failing("accept", &inet_nonblocking, 0, -EAGAIN);
	/* a flag accept4 does not know, checked before the fd */
	accept_failing("accept4", &inet_blocking, 0x1, -EINVAL);

	/* a stream socket that does not listen */
	not_listening = socket(AF_INET, SOCK_STREAM, 0);
	if (not_listening < 0)
		die("socket");
	if (do_accept("accept4", not_listening, 0, AF_INET, "blocking", NULL) != -EINVAL)
		fail("accept4 on a socket that does not listen");
	/* a socket type without accept */
	datagram = socket(AF_INET6, SOCK_DGRAM, 0);
	if (datagram < 0)
		die("socket");
	if (do_accept("accept4", datagram, SOCK_CLOEXEC, AF_INET6, "blocking", NULL) != -EOPNOTSUPP)
		fail("accept4 on a datagram socket");
	/* fds that are no socket, or not open: no family, no listener */
	if (pipe(pipe_fds) < 0)
		die("pipe");
	if (do_accept("accept4", pipe_fds[0], 0, -1, "unknown", NULL) != -ENOTSOCK)
		fail("accept4 on a pipe");
	if (do_accept("accept", pipe_fds[1], 0, -1, "unknown", NULL) != -ENOTSOCK)
		fail("accept on a pipe");
	if (do_accept("accept4", 999, SOCK_CLOEXEC, -1, "unknown", NULL) != -EBADF)
		fail("accept4 on a closed fd");
	if (do_accept("accept", 999, 0, -1, "unknown", NULL) != -EBADF)
		fail("accept on a closed fd");

	/* last: one call left in progress until the process is killed */
	accept_blocking(&inet_blocking, SOCK_CLOEXEC, HOLD);
	return 1;
}
