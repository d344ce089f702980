/*
 * Unit tests of escape: what reaches a terminal from a student's output.
 */
#include <string.h>

#include "../escape.h"
#include "common/unit.h"

/* Escape s in chunks of `step` bytes, as reads would cut it. */
static const char *esc(const char *s, size_t n, size_t step)
{
	static char out[ESCAPE_MAX(256)];
	struct escape e = { .ncarry = 0 };
	size_t i, o = 0;

	for (i = 0; i < n; i += step)
		o += escape_feed(&e, s + i, n - i < step ? n - i : step, out + o);
	o += escape_flush(&e, out + o);
	out[o] = '\0';
	return out;
}

#define ESC(lit, step) esc(lit, sizeof(lit) - 1, step)

int main(void)
{
	size_t step;

	UNIT_EQ_STR(ESC("hello\tworld\n", 64), "hello\tworld\n", "text, tab and newline kept");
	UNIT_EQ_STR(ESC("\033[2J\033]0;pwned\007", 64),
	    "\\x1b[2J\\x1b]0;pwned\\x07", "ESC and BEL escaped");
	UNIT_EQ_STR(ESC("a\rb\x7f", 64), "a\\x0db\\x7f", "CR and DEL escaped");
	UNIT_EQ_STR(ESC("caf\xc3\xa9 \xe2\x82\xac", 64), "caf\xc3\xa9 \xe2\x82\xac",
	    "UTF-8 kept");
	UNIT_EQ_STR(ESC("\xc2\x9b" "31m", 64), "\\xc2\\x9b31m", "C1 CSI (U+009B) escaped");
	UNIT_EQ_STR(ESC("\xff\xfe", 64), "\\xff\\xfe", "stray bytes escaped");
	UNIT_EQ_STR(ESC("\xc0\xaf", 64), "\\xc0\\xaf", "overlong escaped");
	UNIT_EQ_STR(ESC("\xed\xa0\x80", 64), "\\xed\\xa0\\x80", "surrogate escaped");
	UNIT_EQ_STR(ESC("x\xe2\x82", 64), "x\\xe2\\x82", "cut sequence at the end escaped");
	for (step = 1; step <= 4; step++) {
		UNIT_EQ_STR(ESC("\xf0\x9f\x98\x80!\xe2\x82\xac", step),
		    "\xf0\x9f\x98\x80!\xe2\x82\xac", "sequences cut by reads of %zu kept", step);
		UNIT_EQ_STR(ESC("\xe2\x82" "A\033", step), "\\xe2\\x82A\\x1b",
		    "broken sequence cut by reads of %zu escaped", step);
	}
	return unit_done();
}
