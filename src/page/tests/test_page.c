/*
 * test_page.c — page_write: the report is embedded so that nothing in it can
 * end the <script> element or be read as markup ('<' as \u003c, U+2028/9
 * escaped), invalid UTF-8 becomes U+FFFD, the title is HTML-escaped, and
 * bad input is EINVAL with a reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/unit.h"
#include "page/page.h"

static char *
render(const char *json, size_t len, const char *title, int *rc)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	*rc = page_write(f, json, len, title);
	fclose(f);
	return buf;
}

/* The embedded JSON: what lies between the report element's tags. */
static char *
embedded(const char *page)
{
	const char *open = "<script type=\"application/json\" id=\"report\">";
	const char *a = strstr(page, open), *b;

	if (a == NULL)
		return strdup("");
	a += strlen(open);
	b = strstr(a, "</script>");
	return strndup(a, b ? (size_t)(b - a) : 0);
}

/* A report of n connections, each with ~1 KiB of packets, the member
 * first or last in turn (both ways of cutting it out). */
static char *
big_report(int n, size_t *len)
{
	char *buf = NULL, pk[2048];
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	memset(pk, 0, sizeof pk);
	for (int i = 0; i < 40; i++)
		strcat(pk, "{\"t\":0.000001,\"flags\":\"PA\"},");
	pk[strlen(pk) - 1] = '\0';
	fprintf(f, "{\"tool\":\"tcpobserve\",\"source\":{\"path\":\"b.pcap\"},\"connections\":[\n");
	for (int i = 1; i <= n; i++) {
		if (i % 2)
			fprintf(f, "{\"packets\":[%s],\"id\":%d}", pk, i);
		else
			fprintf(f, "{\"id\":%d,\"packets\":[%s]}", i, pk);
		fputs(i < n ? ",\n" : "\n", f);
	}
	fprintf(f, "],\"capture\":{\"connections\":%d}}", n);
	fclose(f);
	*len = size;
	return buf;
}

/* The report embedded in a thinned page, parsed back. */
static void
check_thin(void)
{
	size_t len;
	char *json = big_report(20000, &len), *page, *js;
	int rc;
	json_t *r, *conns;
	size_t kept;

	page = render(json, len, NULL, &rc);
	js = embedded(page);
	r = json_loads(js, 0, NULL);
	conns = json_object_get(r, "connections");
	kept = json_integer_value(json_object_get(json_object_get(r, "_page"), "packets_kept"));
	UNIT_CHECK(rc == 0 && r != NULL, "a %zu-byte report renders to valid JSON", len);
	UNIT_EQ_INT(json_array_size(conns), 20000, "every connection kept");
	UNIT_CHECK(kept > 1000 && kept < 20000, "packets kept for the first %zu", kept);
	UNIT_CHECK(json_object_get(json_array_get(conns, kept - 1), "packets") &&
	    !json_object_get(json_array_get(conns, kept), "packets") &&
	    !json_object_get(json_array_get(conns, kept + 1), "packets"),
	    "then dropped, whether the member came first or last");
	UNIT_EQ_INT(json_integer_value(json_object_get(json_array_get(conns, 19999), "id")),
	    20000, "the other members stay");
	UNIT_CHECK(strstr(page, "<title>tcpobserve: b.pcap</title>") != NULL,
	    "the title from the report around the connections");
	json_decref(r);
	free(js);
	free(page);
	json[len - 3] = ',';	/* broken: ...},} */
	page = render(json, len, NULL, &rc);
	UNIT_CHECK(rc == -1 && errno == EINVAL, "a broken big report: EINVAL");
	free(page);
	free(json);
}

int
main(void)
{
	static const char hostile[] = "{\"scenario\":\"x</script><script>alert(1)</script>\","
	    "\"s\":\"<!-- \xe2\x80\xa8 \xe2\x80\xa9 \\\\<b>\",\"bad\":\"\xff\xfe ok\"}";
	int rc;
	char *page = render(hostile, sizeof hostile - 1, NULL, &rc), *js;

	UNIT_EQ_INT(rc, 0, "a report with <script>, U+2028 and bad bytes renders");
	js = embedded(page);
	UNIT_CHECK(strchr(js, '<') == NULL, "no '<' inside the embedded JSON");
	UNIT_CHECK(strstr(js, "x\\u003c/script>\\u003cscript>") != NULL,
	    "'<' written as \\u003c");
	UNIT_CHECK(strstr(js, "\\u2028 \\u2029") != NULL, "U+2028/2029 escaped");
	UNIT_CHECK(strstr(js, "\\\\\\u003cb>") != NULL, "an escaped backslash before '<' stays one");
	UNIT_CHECK(strstr(js, "\xef\xbf\xbd\xef\xbf\xbd ok") != NULL,
	    "invalid UTF-8 bytes become U+FFFD");
	UNIT_CHECK(strstr(page, "<title>tcplab: x&lt;/script&gt;&lt;script&gt;alert(1)"
	    "&lt;/script&gt;</title>") != NULL, "the default title is HTML-escaped");
	UNIT_CHECK(strstr(page, "@@") == NULL, "every hole of the template filled");
	free(js);
	free(page);

	page = render("{\"tool\":\"tcpobserve\"}", 21, "a \"quoted\" & <b>", &rc);
	UNIT_CHECK(rc == 0 && strstr(page, "<title>a &quot;quoted&quot; &amp; &lt;b&gt;</title>"),
	    "--title is HTML-escaped");
	free(page);

	page = render("{\"a\":", 5, NULL, &rc);
	UNIT_CHECK(rc == -1 && errno == EINVAL, "truncated JSON: EINVAL");
	UNIT_CHECK(strstr(page_error(), "line 1") != NULL, "the reason names the line: %s",
	    page_error());
	free(page);
	page = render("[1,2]", 5, NULL, &rc);
	UNIT_CHECK(rc == -1 && errno == EINVAL, "a JSON array is not a report");
	free(page);
	check_thin();
	return unit_done();
}
