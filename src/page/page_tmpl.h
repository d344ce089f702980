/* page_tmpl.h — the page template, compiled in by src/page/embed.c (private). */
#ifndef TCPLAB_PAGE_TMPL_H
#define TCPLAB_PAGE_TMPL_H

extern const char page_tmpl_html[], page_tmpl_css[], page_tmpl_js[];

#endif
