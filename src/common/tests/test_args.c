/*
 * test_args.c — strict command-line numbers: whole text, finite, in range.
 */
#include "../args.h"
#include "common/unit.h"

int
main(void)
{
	double d = -1;
	long n = -1;

	UNIT_CHECK(args_seconds("0.5", 0, 0, 10, &d) == 0 && d == 0.5,
	    "0.5 seconds");
	UNIT_EQ_INT(args_seconds("0", 0, 0, 10, &d), -1, "0 refused: over 0");
	UNIT_CHECK(args_seconds("0", 0, 1, 10, &d) == 0 && d == 0,
	    "0 accepted when 0 is allowed");
	UNIT_EQ_INT(args_seconds("10.5", 0, 1, 10, &d), -1, "over the maximum");
	UNIT_EQ_INT(args_seconds("-1", 0, 1, 10, &d), -1, "negative");
	UNIT_EQ_INT(args_seconds("3x", 0, 1, 10, &d), -1, "trailing text");
	UNIT_EQ_INT(args_seconds("", 0, 1, 10, &d), -1, "empty");
	UNIT_EQ_INT(args_seconds("nan", 0, 1, 10, &d), -1, "nan");
	UNIT_EQ_INT(args_seconds("1e999", 0, 1, 1e300, &d), -1, "overflow");
	UNIT_CHECK(args_count("64", 1, 100, &n) == 0 && n == 64, "64");
	UNIT_EQ_INT(args_count("0", 1, 100, &n), -1, "under the minimum");
	UNIT_EQ_INT(args_count("101", 1, 100, &n), -1, "over the maximum");
	UNIT_EQ_INT(args_count("9x", 1, 100, &n), -1, "trailing text");
	UNIT_EQ_INT(args_count("99999999999999999999", 1, 100, &n), -1,
	    "overflow");
	return unit_done();
}
