# tcppage: a JSON report (scenario, tcpobserve, grading) as one HTML page.
# The template (page.html, page.css, page-base.js, page-draw.js, page.js) is compiled in: the rule that
# makes build/page/page_tmpl.c is in the Makefile's "pages" block.
PROGS += tcppage
tcppage_OBJS += page/tcppage.o page/page.o page/thin.o page/page_tmpl.o
tcppage_LIBS += -ljansson

# The browser tests' driver: Chromium over the DevTools protocol (a pipe).
TOOLS += pagecheck
pagecheck_OBJS += page/pagecheck.o
pagecheck_LIBS += -ljansson

UNITS += test_page
test_page_OBJS += page/tests/test_page.o page/page.o page/thin.o page/page_tmpl.o
test_page_LIBS += -ljansson
