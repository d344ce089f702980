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
	return unit_done();
}
