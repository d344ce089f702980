/* capture.h — libpcap I/O: a file or a live interface, one packet at a time. */
#ifndef TCPLAB_CAPTURE_H
#define TCPLAB_CAPTURE_H

#include <stdint.h>

#include <pcap/pcap.h>

#define CAPTURE_SNAPLEN		262144
#define CAPTURE_BUFSIZE		(32 * 1024 * 1024)
#define CAPTURE_ERRLEN		(PCAP_ERRBUF_SIZE + 512)

struct capture_opts {
	const char *iface;	/* live capture, or */
	const char *file;	/* a pcap/pcapng file ("-": stdin) */
	const char *filter;	/* BPF expression or NULL */
	const char *write;	/* -w: save what is captured, or NULL */
	long count;		/* -c: stop after this many packets (0: no) */
};

/*
 * Called for each packet; a non-zero return stops the capture. A live
 * capture also calls it with h == NULL when no packet came for 100 ms, so
 * the caller can let time pass (TIME_WAIT expiry by the clock).
 */
typedef int capture_fn(void *ctx, const struct pcap_pkthdr *h,
    const u_char *data);

struct capture;

/*
 * Opens, activates and filters the capture. Live: says `listening on ...`
 * on stderr once packets can be seen. NULL on failure, with one line (no
 * program name) in err.
 */
struct capture *capture_open(const struct capture_opts *o,
    char err[CAPTURE_ERRLEN]);

/* pcap_datalink() of the capture. */
int capture_datalink(const struct capture *c);

/*
 * Where the packets come from, as the report's "source" says it. The
 * strings belong to the capture and its options (NULL: not given); any
 * bytes, not necessarily UTF-8 (a file name is what the user typed).
 */
struct capture_info {
	int live;
	const char *iface;	/* live: the interface */
	const char *path;	/* file: its name ("-": stdin) */
	const char *format;	/* file: "pcap" or "pcapng" */
	const char *linktype;	/* pcap_datalink_val_to_name(), or NULL */
	const char *filter;	/* the BPF expression */
	const char *written_to;	/* -w FILE */
	int snaplen;
};

/* Fills *ci for the capture (borrowed strings, valid until capture_close). */
void capture_describe(const struct capture *c, struct capture_info *ci);

/* Latest time the report can show: 2^32 s after 1970 (February 2106). */
#define CAPTURE_MAX_SEC	UINT32_MAX

/*
 * A packet's time in µs since 1970, the same whichever reader (and libpcap
 * version) read it: seconds and microseconds are the unsigned 32-bit
 * fields of a classic pcap record, so times are valid until 2106; a pcapng
 * time beyond that is read as CAPTURE_MAX_SEC. Never an overflow.
 */
int64_t capture_time_us(const struct pcap_pkthdr *h);

/*
 * Reads packets until the end of the file, -c, SIGINT/SIGTERM or fn asks.
 * Returns 0; 1 when the file ended mid-record (warning in err: the packets
 * before it were delivered); -1 on error (err): the file could not be read
 * or positioned, a live capture failed, or -w could not be written.
 */
int capture_run(struct capture *c, capture_fn *fn, void *ctx,
    char err[CAPTURE_ERRLEN]);

/* Packets the kernel dropped (pcap_stats), 0 for files. */
uint64_t capture_dropped(struct capture *c);

/* Makes SIGINT and SIGTERM end capture_run cleanly. */
void capture_catch_signals(void);

void capture_close(struct capture *c);

#endif
