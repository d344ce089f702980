/*
 * page.h — a tcplab JSON report (a scenario's report/<name>.json, a plain
 * tcpobserve report, a grading results.json) as one self-contained HTML page:
 * the template (src/page/page.html, page.css, page*.js, compiled in) with the report
 * embedded in a <script type="application/json"> element, drawn in the
 * browser by the page's own script. No network, nothing else needed.
 */
#ifndef TCPLAB_PAGE_H
#define TCPLAB_PAGE_H

#include <stddef.h>
#include <stdio.h>

/*
 * Writes the page for the JSON document json[0..len) to out. title may be
 * NULL (then one is made from the report: scenario name, capture file or
 * student). Invalid UTF-8 in the input becomes U+FFFD. A report over 16 MiB
 * keeps per-packet lists for its first connections only, and over 160 MiB
 * its first connections only (src/page/thin.h). Returns 0, or -1
 * with errno set: EINVAL when json is not a JSON object (page_error() then
 * says why), ENOMEM, or the stream's error.
 */
int page_write(FILE *out, const char *json, size_t len, const char *title);

/* The reason of the last EINVAL from page_write ("line 3: ..."). */
const char *page_error(void);

#endif
