/*
 * page.c — the report as one HTML page. The template is page.html with four
 * holes, @@TITLE@@ @@CSS@@ @@JS@@ @@JSON@@; the report goes into the last one,
 * inside <script type="application/json">, where the HTML parser looks for
 * nothing but "</script". Every '<' of the JSON is written \u003c (legal only
 * inside JSON strings, where it means the same character), so no byte
 * sequence of the report can end the element or open a comment; U+2028 and
 * U+2029 are written \u2028 and \u2029 as well. The title is the only text
 * placed in markup, HTML-escaped. The script reads the JSON and inserts every
 * string with textContent, never as markup.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "page/page.h"
#include "page/page_tmpl.h"
#include "page/thin.h"

static char page_err[200];

const char *
page_error(void)
{
	return page_err;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* in with every invalid UTF-8 byte replaced by U+FFFD: a copy, or in
 * itself when it is valid. */
static const char *
utf8_clean(const char *in, size_t len, size_t *outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0, k, bad = 0;
	char *out;

	while (i < len) {
		k = utf8_len(s + i, len - i);
		bad += k == 0;
		i += k ? k : 1;
	}
	*outlen = len;
	if (bad == 0)
		return in;
	if ((out = malloc(len + 2 * bad + 1)) == NULL)
		return NULL;
	i = 0;
	while (i < len) {
		if ((k = utf8_len(s + i, len - i)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3, i++;
			continue;
		}
		memcpy(out + o, s + i, k);
		o += k, i += k;
	}
	out[o] = '\0';
	*outlen = o;
	return out;
}

/* JSON text into the page: '<', U+2028, U+2029 as \u escapes. */
static void
embed_json(FILE *out, const char *s, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		const char *esc = NULL;
		size_t skip = 1;

		if (s[i] == '<')
			esc = "\\u003c";
		else if (s[i] == '\xe2' && i + 2 < n && s[i + 1] == '\x80' &&
		    (s[i + 2] == '\xa8' || s[i + 2] == '\xa9'))
			esc = s[i + 2] == '\xa8' ? "\\u2028" : "\\u2029", skip = 3;
		if (esc == NULL)
			continue;
		fwrite(s + run, 1, i - run, out);
		fputs(esc, out);
		i += skip - 1;
		run = i + 1;
	}
	fwrite(s + run, 1, n - run, out);
}

static void
embed_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

static const char *
str_at(json_t *root, const char *a, const char *b)
{
	json_t *v = json_object_get(root, a);

	if (b != NULL)
		v = json_object_get(v, b);
	return json_string_value(v);
}

/* A title from the report: its scenario, capture or student. */
static void
default_title(json_t *root, char *buf, size_t size)
{
	const char *s;

	if ((s = str_at(root, "scenario", NULL)) != NULL)
		snprintf(buf, size, "tcplab: %s", s);
	else if (json_is_array(json_object_get(root, "tests")))
		snprintf(buf, size, "tcplab grading: %s",
		    (s = str_at(json_object_get(root, "extra_data"), "student",
		    NULL)) ? s : "results");
	else if ((s = str_at(root, "source", "path")) != NULL ||
	    (s = str_at(root, "source", "interface")) != NULL)
		snprintf(buf, size, "tcpobserve: %s", s);
	else
		snprintf(buf, size, "tcplab report");
}

static void
write_template(FILE *out, const char *title, const char *js, size_t n,
    const struct thin *t)
{
	const char *p = page_tmpl_html, *hole;

	while ((hole = strstr(p, "@@")) != NULL) {
		const char *end = strstr(hole + 2, "@@");

		if (end == NULL)
			break;
		fwrite(p, 1, hole - p, out);
		if (strncmp(hole, "@@TITLE@@", 9) == 0)
			embed_text(out, title);
		else if (strncmp(hole, "@@CSS@@", 7) == 0)
			fputs(page_tmpl_css, out);
		else if (strncmp(hole, "@@JS@@", 6) == 0)
			fputs(page_tmpl_js, out);
		else if (strncmp(hole, "@@JSON@@", 8) == 0 && t != NULL)
			thin_emit(out, js, n, t, embed_json);
		else if (strncmp(hole, "@@JSON@@", 8) == 0)
			embed_json(out, js, n);
		else
			fwrite(hole, 1, end + 2 - hole, out);
		p = end + 2;
	}
	fputs(p, out);
}

int
page_write(FILE *out, const char *json, size_t len, const char *title)
{
	json_error_t jerr;
	json_t *root = NULL;
	struct thin t = { 0 }, *big = NULL;
	const char *clean;
	char tbuf[512];
	size_t n;
	int rc = -1, saved = ENOMEM;

	if ((clean = utf8_clean(json, len, &n)) == NULL)
		return -1;
	if (n > PAGE_PACKETS_MAX && thin_plan(clean, n, &t) == 0) {
		big = &t;
	} else if (n > PAGE_PACKETS_MAX && errno == ENOMEM) {
		goto out;
	} else if ((root = json_loadb(clean, n, JSON_ALLOW_NUL, &jerr)) == NULL ||
	    !json_is_object(root)) {
		if (root == NULL)
			snprintf(page_err, sizeof page_err, "line %d: %s",
			    jerr.line, jerr.text);
		else
			snprintf(page_err, sizeof page_err, "not a JSON object");
		saved = EINVAL;
		goto out;
	}
	if (title == NULL) {
		default_title(big ? t.head : root, tbuf, sizeof tbuf);
		title = tbuf;
	}
	write_template(out, title, clean, n, big);
	errno = 0;
	if (fflush(out) != 0 || ferror(out)) {
		saved = errno ? errno : EIO;
		goto out;
	}
	rc = 0;
out:
	json_decref(root);
	thin_free(&t);
	if (clean != json)
		free((char *)clean);
	if (rc != 0)
		errno = saved;
	return rc;
}
