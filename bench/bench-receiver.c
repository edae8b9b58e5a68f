/* bench-receiver.c: a small epoll HTTP/1.1 keep-alive server for the
 * runner benchmark. Answers every request "200 OK" and, when given a log
 * file, writes "<unix ms> <webhook-id>" per request (latency runs). With
 * DELAY_MS, each answer leaves at least that long (at most 1 ms more)
 * after its request arrived, like a receiver across a network (no thread
 * per request: a timer queue).
 * usage: bench-receiver PORTFILE [LOGFILE|-] [DELAY_MS]   (127.0.0.1:0) */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAXC 4096
#define BUF 65536

struct conn {
	char buf[BUF];
	size_t len;
};

static struct conn *conns[MAXC];
static FILE *logf;
static long delay_ms;

/* Answers waiting for their time, in arrival order (= due order). */
#define QMAX 65536
static struct pending {
	int fd;
	long long due;
} queue[QMAX];
static unsigned qhead, qtail;

/* Wall clock (the latency log is compared with the publisher's clock). */
static long long
now_ms(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Monotonic microseconds for the answer delay. */
static long long
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Parse complete requests out of c->buf; answer each. -1 closes. */
static int
serve(int fd, struct conn *c)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	char *end, *p, *id;
	size_t head, clen, total;

	for (;;) {
		end = memmem(c->buf, c->len, "\r\n\r\n", 4);
		if (!end)
			return c->len == BUF ? -1 : 0;
		head = (size_t)(end - c->buf) + 4;
		clen = 0;
		c->buf[head - 1] = '\0';
		p = strcasestr(c->buf, "\r\ncontent-length:");
		if (p)
			clen = strtoul(p + 17, NULL, 10);
		total = head + clen;
		if (total > BUF)
			return -1;
		if (c->len < total) {
			c->buf[head - 1] = '\n';
			return 0;
		}
		if (logf) {
			id = strcasestr(c->buf, "\r\nwebhook-id:");
			if (id) {
				id += 13;
				while (*id == ' ')
					id++;
				fprintf(logf, "%lld %.*s\n", now_ms(), (int)strcspn(id, "\r\n"), id);
				fflush(logf);
			}
		}
		if (delay_ms > 0 && qtail - qhead < QMAX) {
			queue[qtail % QMAX] = (struct pending){ fd, now_us() + delay_ms * 1000 };
			qtail++;
		} else if (write(fd, resp, sizeof(resp) - 1) < 0) {
			return -1;
		}
		memmove(c->buf, c->buf + total, c->len - total);
		c->len -= total;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_in a;
	struct epoll_event ev, evs[256];
	socklen_t alen = sizeof(a);
	int ls, ep, n, i, fd, one = 1;
	FILE *pf;

	if (argc < 2)
		return 2;
	if (argc > 2 && strcmp(argv[2], "-"))
		logf = fopen(argv[2], "a");
	if (argc > 3)
		delay_ms = strtol(argv[3], NULL, 10);
	ls = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 1024))
		return 1;
	getsockname(ls, (struct sockaddr *)&a, &alen);
	pf = fopen(argv[1], "w");
	fprintf(pf, "%d\n", ntohs(a.sin_port));
	fclose(pf);
	ep = epoll_create1(0);
	ev.events = EPOLLIN;
	ev.data.fd = ls;
	epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
	for (;;) {
		long long now = now_us();
		int timeout = -1;

		/* Send what is due; sleep until the next answer is. */
		while (qhead != qtail && queue[qhead % QMAX].due <= now) {
			struct pending *q = &queue[qhead % QMAX];
			static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

			if (q->fd >= 0 && write(q->fd, resp, sizeof(resp) - 1) < 0)
				q->fd = -1;
			qhead++;
		}
		/* Rounded up: an answer never leaves before its time. */
		if (qhead != qtail)
			timeout = (int)((queue[qhead % QMAX].due - now + 999) / 1000);
		n = epoll_wait(ep, evs, 256, timeout);
		for (i = 0; i < n; i++) {
			fd = evs[i].data.fd;
			if (fd == ls) {
				int c = accept(ls, NULL, NULL);

				if (c < 0 || c >= MAXC) {
					if (c >= 0)
						close(c);
					continue;
				}
				/* The answer goes out in one small write: no Nagle wait. */
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				conns[c] = calloc(1, sizeof(struct conn));
				ev.events = EPOLLIN;
				ev.data.fd = c;
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				continue;
			}
			{
				struct conn *c = conns[fd];
				ssize_t r = read(fd, c->buf + c->len, BUF - c->len);

				if (r <= 0 || (c->len += (size_t)r, serve(fd, c) < 0)) {
					unsigned k;

					/* Its queued answers must not go to a reused fd. */
					for (k = qhead; k != qtail; k++)
						if (queue[k % QMAX].fd == fd)
							queue[k % QMAX].fd = -1;
					epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
					close(fd);
					free(c);
					conns[fd] = NULL;
				}
			}
		}
	}
}
