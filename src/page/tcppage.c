/*
 * tcppage — a tcplab JSON report as one self-contained HTML page.
 *
 *	tcppage [-o OUT.html] [--title TITLE] REPORT.json
 *
 * REPORT is a scenario report (report/<name>.json), a tcpobserve report or a
 * grading results.json; "-" reads stdin. Without -o the page goes to stdout.
 * The page is written to OUT.html.tmp and renamed, so a reader never sees
 * half a page. Exit 0, 1 on bad input (one line on stderr), 2 on bad usage.
 */
#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "page/page.h"

static void
usage(FILE *f, int status)
{
	fprintf(f, "usage: tcppage [-o OUT.html] [--title TITLE] REPORT.json\n"
	    "  REPORT: report/<name>.json, a tcpobserve report or a grading"
	    " results.json (- = stdin)\n");
	exit(status);
}

/* The whole of f in a malloc'ed buffer; NULL with errno on failure. */
static char *
slurp(FILE *f, size_t *len)
{
	char *buf = NULL, *nb;
	size_t cap = 0, n = 0, r;

	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			if ((nb = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
		}
		if ((r = fread(buf + n, 1, cap - n, f)) == 0)
			break;
		n += r;
	}
	if (ferror(f))
		goto fail;
	*len = n;
	return buf;
fail:
	free(buf);
	return NULL;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "output", required_argument, NULL, 'o' },
		{ "title", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *outpath = NULL, *title = NULL, *in;
	char *json, *tmp = NULL;
	FILE *f, *out = stdout;
	size_t len;
	int c;

	while ((c = getopt_long(argc, argv, "ho:t:", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': usage(stdout, 0); break;
		case 'o': outpath = optarg; break;
		case 't': title = optarg; break;
		default: usage(stderr, 2);
		}
	}
	if (argc - optind != 1)
		usage(stderr, 2);
	in = argv[optind];
	if ((f = strcmp(in, "-") == 0 ? stdin : fopen(in, "rb")) == NULL)
		err(1, "%s", in);
	if ((json = slurp(f, &len)) == NULL)
		err(1, "%s", in);
	if (f != stdin)
		fclose(f);
	if (outpath != NULL) {
		if (asprintf(&tmp, "%s.tmp", outpath) < 0)
			err(1, "asprintf");
		if ((out = fopen(tmp, "w")) == NULL)
			err(1, "%s", tmp);
	}
	if (page_write(out, json, len, title) != 0) {
		int e = errno;

		if (tmp != NULL)
			unlink(tmp);
		free(json);	/* exits next: no leak for the sanitizers to report */
		free(tmp);
		if (e == EINVAL)
			errx(1, "%s: not a tcplab report: %s", in, page_error());
		errno = e;
		err(1, "%s", outpath ? outpath : "stdout");
	}
	if (tmp != NULL) {
		if (fclose(out) != 0) {
			unlink(tmp);
			err(1, "%s", outpath);
		}
		if (rename(tmp, outpath) != 0)
			err(1, "rename %s", outpath);
	}
	free(json);
	free(tmp);
	return 0;
}
