/*
 * pcapgen — writes a classic pcap of many short daytime connections, the
 * load `make bench` reads with tcpobserve, tshark and tcptrace.
 *
 * Each connection is the UNP daytime exchange with the server as active
 * closer, 9 packets:
 *	C>S SYN, S>C SYN-ACK, C>S ACK, S>C 26 bytes of ctime(3) text,
 *	C>S ACK, (server sleeps 20-50 ms) S>C FIN, C>S ACK, C>S FIN, S>C ACK
 * A new connection starts every ~0.5 ms, so dozens are open at once and
 * their packets interleave. Client ports step through Linux's ephemeral
 * range and wrap, so a 4-tuple comes back while the server still holds it
 * in TIME_WAIT (a SYN accepted on TIME_WAIT, as Linux allows when the new
 * ISN is higher: ISNs are a per-tuple hash plus a 64 ns clock, as in Linux).
 * Everything derives from the seed: same options, same bytes.
 *
 * -u N is the load of a busy server instead: every 4-tuple unique (client
 * 10.0.0.1 + id / 16384, port 32768 + id % 16384; server 192.168.0.1),
 * exactly N connections open at once, their packets taken in turn, one
 * every GAP_US µs (default 5): nothing is ever replaced by a reused tuple.
 *
 * The pcap format is written by hand (pcapwrite.c): no libpcap, so the
 * generator cannot share a bug with a reader.
 */
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pcapwrite.h"

#define PCAPGEN_USAGE \
	"usage: pcapgen [-n CONNECTIONS] [-s SEED] [-i GAP_US] [-l en10mb|null]\n" \
	"               [-p SERVER_PORT] [-u CONCURRENT] -o FILE\n" \
	"  -u N: unique 4-tuples: clients from 10.0.0.0/8 to server 192.168.0.1,\n" \
	"        N connections open at once, one packet every GAP_US (default 5)\n"

enum { PG_STEPS = 9, PG_DATA = 26, PG_PORT_LO = 32768, PG_PORT_HI = 60999 };

/* One connection in flight: when each of its 9 packets leaves. */
struct gconn {
	uint64_t id;
	uint64_t t[PG_STEPS];	/* µs since the start of the capture */
	uint32_t isn_c, isn_s;
	uint32_t caddr;		/* client address (host order) */
	uint16_t cport;
	int step;
};

struct gen {
	FILE *fp;
	int linktype;		/* 1 EN10MB, 0 NULL */
	uint16_t sport;
	uint32_t saddr;		/* server address (host order) */
	uint64_t rng;
	uint64_t seed;
	uint16_t ipid_c, ipid_s;
	struct gconn *heap;	/* min-heap by (next packet time, id) */
	size_t nheap, capheap;
};

static const uint64_t pg_epoch = 1604761192;	/* Sat Nov  7 14:59:52 2020 UTC */

/* splitmix64: small, fast and the same on every machine. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t
rng_range(uint64_t *s, uint64_t lo, uint64_t hi)
{
	return lo + rng_next(s) % (hi - lo + 1);
}

/* One TCP/IPv4 segment of connection c, as pcapwrite frames it. */
static int
write_segment(struct gen *g, uint64_t t_us, int from_client,
    const struct gconn *c, uint32_t seq, uint32_t ack, int flags,
    const char *data, size_t len)
{
	struct pw_seg sg = {
		.t_sec = pg_epoch + t_us / 1000000,
		.t_usec = (uint32_t)(t_us % 1000000),
		.src = from_client ? c->caddr : g->saddr,
		.dst = from_client ? g->saddr : c->caddr,
		.sport = from_client ? c->cport : g->sport,
		.dport = from_client ? g->sport : c->cport,
		.ipid = from_client ? g->ipid_c++ : g->ipid_s++,
		.seq = seq, .ack = ack, .flags = flags, .data = data, .len = len,
	};

	return pw_segment(g->fp, g->linktype, &sg);
}

/* The packet of step c->step: who sends it, with which numbers. */
static int
emit_step(struct gen *g, const struct gconn *c)
{
	uint32_t ci = c->isn_c, si = c->isn_s;
	uint64_t t = c->t[c->step];
	char day[32];
	time_t when;
	struct tm tm;

	switch (c->step) {
	case 0: return write_segment(g, t, 1, c, ci, 0, PG_SYN, NULL, 0);
	case 1: return write_segment(g, t, 0, c, si, ci + 1, PG_SYN | PG_ACK, NULL, 0);
	case 2: return write_segment(g, t, 1, c, ci + 1, si + 1, PG_ACK, NULL, 0);
	case 3:
		when = (time_t)(pg_epoch + t / 1000000);
		gmtime_r(&when, &tm);
		strftime(day, sizeof day, "%a %b %e %H:%M:%S %Y\r\n", &tm);
		return write_segment(g, t, 0, c, si + 1, ci + 1, PG_PSH | PG_ACK,
		    day, PG_DATA);
	case 4: return write_segment(g, t, 1, c, ci + 1, si + 27, PG_ACK, NULL, 0);
	case 5: return write_segment(g, t, 0, c, si + 27, ci + 1, PG_FIN | PG_ACK, NULL, 0);
	case 6: return write_segment(g, t, 1, c, ci + 1, si + 28, PG_ACK, NULL, 0);
	case 7: return write_segment(g, t, 1, c, ci + 1, si + 28, PG_FIN | PG_ACK, NULL, 0);
	default: return write_segment(g, t, 0, c, si + 28, ci + 2, PG_ACK, NULL, 0);
	}
}

/* Linux-like ISN: a keyed hash of the 4-tuple plus a 64 ns clock. */
static uint32_t
isn(const struct gen *g, uint16_t a, uint16_t b, uint64_t t_us)
{
	uint64_t h = g->seed ^ ((uint64_t)a << 16 | b);

	return (uint32_t)(rng_next(&h) + t_us * 1000 / 64);
}

static void
conn_init(struct gen *g, struct gconn *c, uint64_t id, uint64_t start,
    uint16_t cport)
{
	uint64_t *r = &g->rng;

	c->id = id;
	c->cport = cport;
	c->caddr = g->saddr;
	c->step = 0;
	c->t[0] = start;
	c->t[1] = c->t[0] + rng_range(r, 10, 40);	/* SYN-ACK */
	c->t[2] = c->t[1] + rng_range(r, 5, 20);	/* ACK */
	c->t[3] = c->t[2] + rng_range(r, 30, 120);	/* accept, write */
	c->t[4] = c->t[3] + rng_range(r, 5, 40);
	c->t[5] = c->t[0] + rng_range(r, 20000, 50000);	/* sleep, close */
	c->t[6] = c->t[5] + rng_range(r, 5, 30);
	c->t[7] = c->t[6] + rng_range(r, 10, 80);	/* client reads EOF, closes */
	c->t[8] = c->t[7] + rng_range(r, 5, 30);
	c->isn_c = isn(g, cport, g->sport, start);
	c->isn_s = isn(g, g->sport, cport, start + 7);
}

static int
heap_less(const struct gconn *a, const struct gconn *b)
{
	if (a->t[a->step] != b->t[b->step])
		return a->t[a->step] < b->t[b->step];
	return a->id < b->id;
}

static void
heap_down(struct gen *g, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		struct gconn tmp;

		if (l < g->nheap && heap_less(&g->heap[l], &g->heap[m]))
			m = l;
		if (l + 1 < g->nheap && heap_less(&g->heap[l + 1], &g->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		tmp = g->heap[i];
		g->heap[i] = g->heap[m];
		g->heap[m] = tmp;
		i = m;
	}
}

static int
heap_push(struct gen *g, const struct gconn *c)
{
	size_t i;

	if (g->nheap == g->capheap) {
		size_t cap = g->capheap ? 2 * g->capheap : 256;
		struct gconn *v = realloc(g->heap, cap * sizeof *v);

		if (v == NULL)
			return -1;
		g->heap = v;
		g->capheap = cap;
	}
	i = g->nheap++;
	g->heap[i] = *c;
	while (i > 0 && heap_less(&g->heap[i], &g->heap[(i - 1) / 2])) {
		struct gconn tmp = g->heap[i];

		g->heap[i] = g->heap[(i - 1) / 2];
		g->heap[(i - 1) / 2] = tmp;
		i = (i - 1) / 2;
	}
	return 0;
}

/* Merges the connections' packets in time order. Returns -1 with errno. */
static int
generate(struct gen *g, uint64_t n, uint64_t gap_us)
{
	uint64_t made = 0, next_start = 0;
	uint16_t port = (uint16_t)rng_range(&g->rng, PG_PORT_LO, PG_PORT_HI);

	while (made < n || g->nheap > 0) {
		struct gconn *top = g->nheap ? &g->heap[0] : NULL;

		if (made < n && (top == NULL || next_start <= top->t[top->step])) {
			struct gconn c;

			conn_init(g, &c, made++, next_start, port);
			if (heap_push(g, &c) == -1)
				return -1;
			/* Linux steps connect()'s ports by 2 and wraps. */
			port = port + 2 > PG_PORT_HI ? (uint16_t)(PG_PORT_LO + (port & 1)) :
			    (uint16_t)(port + 2);
			next_start += rng_range(&g->rng, gap_us / 2, gap_us * 3 / 2);
			continue;
		}
		if (emit_step(g, top) == -1)
			return -1;
		if (++top->step == PG_STEPS)
			g->heap[0] = g->heap[--g->nheap];
		heap_down(g, 0);
	}
	return 0;
}

/* Connection id of the -u load: its own client address and port. */
static void
unique_init(struct gen *g, struct gconn *c, uint64_t id, uint64_t start)
{
	conn_init(g, c, id, start, (uint16_t)(32768 + id % 16384));
	c->caddr = 0x0a000001u + (uint32_t)(id / 16384);
}

/*
 * -u: conc connections open at once, each of its 9 packets in turn, one
 * packet every gap_us; connection id has its own client address and port.
 */
static int
generate_unique(struct gen *g, uint64_t n, uint64_t conc, uint64_t gap_us)
{
	struct gconn *open = calloc(conc, sizeof *open);
	uint64_t made = 0, t = 0, nopen = 0, i;
	int rc = 0;

	if (open == NULL)
		return -1;
	for (; nopen < conc && made < n; nopen++, made++)
		unique_init(g, &open[nopen], made, 0);
	while (nopen > 0 && rc == 0) {
		for (i = 0; i < nopen && rc == 0; t += gap_us) {
			struct gconn *c = &open[i];

			c->t[c->step] = t;
			rc = emit_step(g, c);
			if (++c->step < PG_STEPS) {
				i++;
			} else if (made < n) {
				unique_init(g, c, made++, t);
				i++;
			} else {
				*c = open[--nopen];	/* i now holds the last one */
			}
		}
	}
	free(open);
	return rc;
}

static uint64_t
parse_num(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end != '\0' || *s == '-' || v < lo || v > hi) {
		fprintf(stderr, "pcapgen: -%s: '%s': not a number in %llu-%llu\n",
		    opt, s, (unsigned long long)lo, (unsigned long long)hi);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	struct gen g = { .linktype = 1, .sport = 13, .saddr = 0x7f000001 };
	uint64_t n = 1000, gap = 0, conc = 0;
	const char *out = NULL;
	static char buf[1 << 20];
	int c;

	g.seed = 1;
	while ((c = getopt(argc, argv, "hi:l:n:o:p:s:u:")) != -1) {
		switch (c) {
		case 'h': fputs(PCAPGEN_USAGE, stdout); return 0;
		case 'i': gap = parse_num("i", optarg, 2, 1000000); break;
		case 'l':
			if (strcmp(optarg, "en10mb") == 0)
				g.linktype = 1;
			else if (strcmp(optarg, "null") == 0)
				g.linktype = 0;
			else
				errx(2, "-l: '%s': en10mb or null", optarg);
			break;
		case 'n': n = parse_num("n", optarg, 1, 100000000); break;
		case 'o': out = optarg; break;
		case 'p': g.sport = (uint16_t)parse_num("p", optarg, 1, 65535); break;
		case 's': g.seed = parse_num("s", optarg, 0, UINT64_MAX); break;
		case 'u': conc = parse_num("u", optarg, 1, 1000000); break;
		default: fputs(PCAPGEN_USAGE, stderr); return 2;
		}
	}
	if (out == NULL || optind != argc) {
		fputs(PCAPGEN_USAGE, stderr);
		return 2;
	}
	g.rng = g.seed;
	if (strcmp(out, "-") == 0)
		g.fp = stdout;
	else if ((g.fp = fopen(out, "wb")) == NULL)
		err(1, "%s", out);
	setvbuf(g.fp, buf, _IOFBF, sizeof buf);
	if (conc > 0)
		g.saddr = 0xc0a80001;	/* 192.168.0.1 */
	if (pw_file_header(g.fp, g.linktype) == -1 || (conc > 0 ?
	    generate_unique(&g, n, conc, gap ? gap : 5) :
	    generate(&g, n, gap ? gap : 500)) == -1 || fflush(g.fp) == EOF)
		err(1, "%s", out);
	if (g.fp != stdout && fclose(g.fp) == EOF)
		err(1, "%s", out);
	free(g.heap);
	return 0;
}
