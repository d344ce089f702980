/*
 * pagecheck — loads a page in headless Chromium and reports, as JSON, what
 * a browser test needs to assert: console messages, uncaught exceptions,
 * every network request the page attempted, the value of a JS expression
 * evaluated once the page has loaded, and optionally a PNG screenshot with
 * its size and how many pixels are not background (decoded by the browser
 * itself, drawn into a canvas). It speaks the DevTools protocol over the
 * pipe Chromium opens with --remote-debugging-pipe (fd 3 in, fd 4 out,
 * messages ended by NUL): no websocket, no extra package.
 *
 *	pagecheck [-e EXPR] [-m MEDIA] [-s OUT.png] [-w W] [-H H] [-t SECONDS] FILE.html
 *
 * -m print shows the page as printed (CSS @media print).
 *
 * CHROMIUM overrides the browser (default /usr/bin/chromium-headless-shell).
 * Exit 0 when the page loaded (whatever it contains), 1 otherwise.
 */
#include <sys/wait.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

static pid_t browser_pid;
static char browser_dir[] = "/tmp/pagecheck.XXXXXX";

struct cdp {
	int wfd, rfd;
	char *buf;
	size_t len, cap;
	char *session;
	double deadline;
	json_t *console, *exceptions, *requests;
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
cdp_send(struct cdp *c, int id, const char *method, json_t *params)
{
	json_t *m = json_pack("{s:i, s:s, s:o}", "id", id, "method", method,
	    "params", params ? params : json_object());
	char *s;

	if (c->session)
		json_object_set_new(m, "sessionId", json_string(c->session));
	if ((s = json_dumps(m, JSON_COMPACT)) == NULL)
		errx(1, "%s: cannot encode the request", method);
	if (write(c->wfd, s, strlen(s) + 1) != (ssize_t)strlen(s) + 1)
		err(1, "write to chromium");
	free(s);
	json_decref(m);
}

/* Collects what the tests assert on from an event. */
static void
cdp_event(struct cdp *c, json_t *m)
{
	const char *method = json_string_value(json_object_get(m, "method"));
	json_t *p = json_object_get(m, "params");

	if (method == NULL)
		return;
	if (strcmp(method, "Runtime.consoleAPICalled") == 0) {
		json_t *a = json_object_get(json_array_get(json_object_get(p,
		    "args"), 0), "value");
		json_array_append_new(c->console, json_pack("{s:O, s:O}", "level",
		    json_object_get(p, "type"), "text", a ? a : json_null()));
	} else if (strcmp(method, "Log.entryAdded") == 0) {
		json_t *e = json_object_get(p, "entry");
		json_array_append_new(c->console, json_pack("{s:O, s:O}", "level",
		    json_object_get(e, "level"), "text", json_object_get(e, "text")));
	} else if (strcmp(method, "Runtime.exceptionThrown") == 0) {
		json_array_append(c->exceptions, json_object_get(p,
		    "exceptionDetails"));
	} else if (strcmp(method, "Network.requestWillBeSent") == 0) {
		json_t *u = json_object_get(json_object_get(p, "request"), "url");

		if (strncmp(json_string_value(u) ? json_string_value(u) : "",
		    "data:", 5) != 0)
			json_array_append(c->requests, u);
	}
}

/* The next message from Chromium; NULL on timeout or end. */
static json_t *
cdp_read(struct cdp *c)
{
	for (;;) {
		char *nul = c->len ? memchr(c->buf, '\0', c->len) : NULL;
		struct pollfd pfd = { c->rfd, POLLIN, 0 };
		double left = c->deadline - now();
		ssize_t r;

		if (nul != NULL) {
			json_t *m = json_loadb(c->buf, nul - c->buf, 0, NULL);
			size_t used = nul + 1 - c->buf;

			memmove(c->buf, nul + 1, c->len - used);
			c->len -= used;
			if (m != NULL)
				return m;
			continue;
		}
		if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			return NULL;
		if (c->cap - c->len < 65536 &&
		    (c->buf = realloc(c->buf, c->cap = c->cap * 2 + 65536)) == NULL)
			err(1, "realloc");
		if ((r = read(c->rfd, c->buf + c->len, c->cap - c->len)) <= 0)
			return NULL;
		c->len += r;
	}
}

/* Waits for the answer to id (or for the event named want when id is 0),
 * recording events on the way. Exits on timeout or a protocol error. */
static json_t *
cdp_wait(struct cdp *c, int id, const char *want)
{
	json_t *m;

	while ((m = cdp_read(c)) != NULL) {
		const char *method = json_string_value(json_object_get(m, "method"));

		cdp_event(c, m);
		if (id && json_integer_value(json_object_get(m, "id")) == id) {
			if (json_object_get(m, "error"))
				errx(1, "chromium: %s", json_dumps(json_object_get(m,
				    "error"), JSON_COMPACT));
			return m;
		}
		if (!id && method && strcmp(method, want) == 0)
			return m;
		json_decref(m);
	}
	errx(1, "chromium: no %s%s within the time limit", id ? "answer to " : "",
	    want);
}

static json_t *
cdp_call(struct cdp *c, const char *method, json_t *params)
{
	static int id = 1;
	json_t *m, *r;

	cdp_send(c, ++id, method, params);
	m = cdp_wait(c, id, method);
	r = json_incref(json_object_get(m, "result"));
	json_decref(m);
	return r;
}

/* At any exit, errx included: the browser (a process group of its own:
 * the Debian command is a shell script) and its profile go. It is given
 * 5 s to end by itself after Browser.close, then SIGTERM, then SIGKILL. */
static void
chromium_stop(void)
{
	char *cmd;
	int i;

	if (browser_pid > 0) {
		for (i = 0; i < 50 && waitpid(browser_pid, NULL, WNOHANG) == 0; i++)
			usleep(100000);
		kill(-browser_pid, SIGTERM);
		for (i = 0; i < 50 && kill(-browser_pid, 0) == 0; i++)
			usleep(100000);
		kill(-browser_pid, SIGKILL);
		waitpid(browser_pid, NULL, 0);
		for (i = 0; i < 50 && kill(-browser_pid, 0) == 0; i++)
			usleep(100000);
		browser_pid = 0;
	}
	if (asprintf(&cmd, "rm -rf %s", browser_dir) < 0)
		return;
	if (system(cmd) != 0)
		warnx("could not remove %s", browser_dir);
	free(cmd);
}

static void
chromium_start(struct cdp *c, char *tmpdir)
{
	int in[2], out[2];
	pid_t pid;
	const char *bin = getenv("CHROMIUM") ? getenv("CHROMIUM")
	    : "/usr/bin/chromium-headless-shell";
	char udd[PATH_MAX];

	if (mkdtemp(tmpdir) == NULL)
		err(1, "mkdtemp");
	snprintf(udd, sizeof udd, "--user-data-dir=%s", tmpdir);
	if (pipe(in) != 0 || pipe(out) != 0)
		err(1, "pipe");
	if ((pid = fork()) < 0)
		err(1, "fork");
	if (pid > 0) {
		setpgid(pid, pid);
		browser_pid = pid;
		atexit(chromium_stop);
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		setpgid(0, 0);

		dup2(in[0], 3);
		dup2(out[1], 4);
		dup2(devnull, 1);
		dup2(devnull, 2);
		for (int fd = 5; fd < 64; fd++)
			close(fd);
		execl(bin, bin, "--remote-debugging-pipe", "--no-sandbox",
		    "--disable-gpu", "--no-first-run", "--hide-scrollbars",
		    "--disable-background-networking", udd, "about:blank",
		    (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	c->wfd = in[1];
	c->rfd = out[0];
}

static size_t
b64_decode(const char *s, unsigned char *out)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned v = 0, bits = 0;
	size_t n = 0;

	for (; *s && *s != '='; s++) {
		const char *p = strchr(tab, *s);

		if (p == NULL)
			continue;
		v = v << 6 | (unsigned)(p - tab);
		if ((bits += 6) >= 8) {
			bits -= 8;
			out[n++] = (v >> bits) & 0xff;
		}
	}
	return n;
}

/* What fraction of the screenshot differs from its top-left pixel, and its
 * size: the browser decodes the PNG into a canvas. */
static const char shot_js[] =
    "new Promise(ok => { const i = new Image(); i.onload = () => {"
    " const c = document.createElement('canvas'); c.width = i.width;"
    " c.height = i.height; const g = c.getContext('2d'); g.drawImage(i, 0, 0);"
    " const d = g.getImageData(0, 0, i.width, i.height).data; let n = 0;"
    " for (let k = 0; k < d.length; k += 4) if (d[k] != d[0] || d[k+1] != d[1]"
    " || d[k+2] != d[2]) n++;"
    " ok({width: i.width, height: i.height, drawn: n / (d.length / 4)}); };"
    " i.src = 'data:image/png;base64,%s'; })";

static json_t *
screenshot(struct cdp *c, const char *path)
{
	json_t *r = cdp_call(c, "Page.captureScreenshot", json_pack("{s:s}",
	    "format", "png"));
	const char *b64 = json_string_value(json_object_get(r, "data"));
	unsigned char *png = malloc(strlen(b64));
	size_t n = b64_decode(b64, png);
	FILE *f = fopen(path, "wb");
	char *js;
	json_t *e, *v;

	if (f == NULL || fwrite(png, 1, n, f) != n || fclose(f) != 0)
		err(1, "%s", path);
	if (asprintf(&js, shot_js, b64) < 0)
		err(1, "asprintf");
	e = cdp_call(c, "Runtime.evaluate", json_pack("{s:s, s:b, s:b}",
	    "expression", js, "returnByValue", 1, "awaitPromise", 1));
	v = json_incref(json_object_get(json_object_get(e, "result"), "value"));
	json_object_set_new(v, "path", json_string(path));
	json_object_set_new(v, "bytes", json_integer((json_int_t)n));
	free(js);
	free(png);
	json_decref(e);
	json_decref(r);
	return v;
}

static void
usage(void)
{
	fprintf(stderr, "usage: pagecheck [-e EXPR] [-m MEDIA] [-s OUT.png] [-w WIDTH]"
	    " [-H HEIGHT] [-t SECONDS] FILE.html\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct cdp c = { 0 };
	const char *expr = NULL, *shot = NULL, *media = NULL;
	char url[PATH_MAX + 8], *abs;
	int w = 1280, h = 900, opt;
	double timeout = 60;
	json_t *r, *target, *report, *value = json_null();

	while ((opt = getopt(argc, argv, "e:m:s:w:H:t:")) != -1) {
		switch (opt) {
		case 'e': expr = optarg; break;
		case 'm': media = optarg; break;
		case 's': shot = optarg; break;
		case 'w': w = atoi(optarg); break;
		case 'H': h = atoi(optarg); break;
		case 't': timeout = atof(optarg); break;
		default: usage();
		}
	}
	if (argc - optind != 1 || w <= 0 || h <= 0 || timeout <= 0)
		usage();
	if ((abs = realpath(argv[optind], NULL)) == NULL)
		err(1, "%s", argv[optind]);
	snprintf(url, sizeof url, "file://%s", abs);
	signal(SIGPIPE, SIG_IGN);
	c.console = json_array();
	c.exceptions = json_array();
	c.requests = json_array();
	c.deadline = now() + timeout;
	chromium_start(&c, browser_dir);

	target = cdp_call(&c, "Target.createTarget", json_pack("{s:s}", "url",
	    "about:blank"));
	r = cdp_call(&c, "Target.attachToTarget", json_pack("{s:O, s:b}",
	    "targetId", json_object_get(target, "targetId"), "flatten", 1));
	c.session = strdup(json_string_value(json_object_get(r, "sessionId")));
	json_decref(target);
	json_decref(r);
	json_decref(cdp_call(&c, "Runtime.enable", NULL));
	json_decref(cdp_call(&c, "Log.enable", NULL));
	json_decref(cdp_call(&c, "Network.enable", NULL));
	json_decref(cdp_call(&c, "Page.enable", NULL));
	json_decref(cdp_call(&c, "Emulation.setDeviceMetricsOverride",
	    json_pack("{s:i, s:i, s:i, s:b}", "width", w, "height", h,
	    "deviceScaleFactor", 1, "mobile", 0)));
	if (media != NULL)
		json_decref(cdp_call(&c, "Emulation.setEmulatedMedia",
		    json_pack("{s:s}", "media", media)));
	json_decref(cdp_call(&c, "Page.navigate", json_pack("{s:s}", "url", url)));
	json_decref(cdp_wait(&c, 0, "Page.loadEventFired"));
	if (expr != NULL) {
		r = cdp_call(&c, "Runtime.evaluate", json_pack("{s:s, s:b, s:b}",
		    "expression", expr, "returnByValue", 1, "awaitPromise", 1));
		if (json_object_get(r, "exceptionDetails"))
			json_array_append(c.exceptions, json_object_get(r,
			    "exceptionDetails"));
		value = json_incref(json_object_get(json_object_get(r, "result"),
		    "value"));
		if (value == NULL)
			value = json_null();
		json_decref(r);
	}
	report = json_pack("{s:s, s:O, s:O, s:O, s:o}", "url", url, "console",
	    c.console, "exceptions", c.exceptions, "requests", c.requests,
	    "value", value);
	if (shot != NULL)
		json_object_set_new(report, "screenshot", screenshot(&c, shot));
	json_dumpf(report, stdout, JSON_COMPACT);
	putchar('\n');

	free(c.session);
	c.session = NULL;
	cdp_send(&c, 999999, "Browser.close", NULL);
	close(c.wfd);
	json_decref(report);
	json_decref(c.console);
	json_decref(c.exceptions);
	json_decref(c.requests);
	free(c.buf);
	free(abs);
	return 0;
}
