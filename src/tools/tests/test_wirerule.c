/*
 * Unit tests of wirerule: rule syntax, segment classification, the "final
 * ACK" rule, and checksums (checked against a frame the kernel made).
 */
#include <stdint.h>
#include <string.h>

#include "../wirerule.h"
#include "common/unit.h"

/* An Ethernet + IPv4 + TCP frame: 10.9.0.1:40000 -> 10.9.0.2:7001. */
static size_t
mkframe(uint8_t *f, uint8_t flags, unsigned payload)
{
	static const uint8_t hdr[54] = {
		2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00,
		0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 6, 0, 0,
		10, 9, 0, 1, 10, 9, 0, 2,
		0x9c, 0x40, 0x1b, 0x59, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0,
		0xff, 0xff, 0, 0, 0, 0
	};
	unsigned tot = 40 + payload;

	memcpy(f, hdr, sizeof(hdr));
	f[16] = (uint8_t)(tot >> 8);
	f[17] = (uint8_t)tot;
	f[47] = flags;
	memset(f + 54, 'x', payload);
	return 54 + payload;
}

/* One's-complement sum over the TCP pseudo header and segment: 0xffff if ok. */
static unsigned
verify(const uint8_t *f, size_t len)
{
	uint32_t acc = 6 + (uint32_t)(len - 34);
	size_t i;

	for (i = 26; i < 34; i += 2)
		acc += (uint32_t)f[i] << 8 | f[i + 1];
	for (i = 34; i + 1 < len; i += 2)
		acc += (uint32_t)f[i] << 8 | f[i + 1];
	if (len & 1)
		acc += (uint32_t)f[len - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return acc;
}

int
main(void)
{
	struct wire_rule r;
	struct wire_state st;
	struct wire_seg seg;
	uint8_t f[2048];
	size_t n;

	UNIT_EQ_INT(wire_rule_parse("a:fin:1", &r), WIRE_OK, "a:fin:1 parses");
	UNIT_EQ_INT(r.side, 0, "side a is 0");
	UNIT_EQ_INT(r.kind, WIRE_KIND_FIN, "kind fin");
	UNIT_EQ_INT(wire_rule_parse("b:finack:2", &r), WIRE_OK, "b:finack:2 parses");
	UNIT_EQ_INT(r.side * 10 + (int)r.nth, 12, "side b, 2nd");
	UNIT_EQ_INT(wire_rule_parse("c:fin:1", &r), WIRE_ESYNTAX, "side c refused");
	UNIT_EQ_INT(wire_rule_parse("a:fun:1", &r), WIRE_ESYNTAX, "kind fun refused");
	UNIT_EQ_INT(wire_rule_parse("a:fin:0", &r), WIRE_ESYNTAX, "0th refused");
	UNIT_EQ_INT(wire_rule_parse("a:fin:1x", &r), WIRE_ESYNTAX, "trailing junk refused");
	UNIT_EQ_INT(wire_rule_parse("a:data:1:+300", &r), WIRE_OK, "a:data:1:+300 parses");
	UNIT_EQ_INT((int)r.hold_ms, 300, "held 300 ms");
	UNIT_EQ_INT(wire_rule_parse("a:data:1:300", &r), WIRE_ESYNTAX, "hold without + refused");
	UNIT_EQ_INT(wire_rule_parse("a:data:1:+0", &r), WIRE_ESYNTAX, "hold 0 refused");
	UNIT_EQ_INT(wire_rule_parse("a:data:1:+5x", &r), WIRE_ESYNTAX, "hold junk refused");

	n = mkframe(f, WIRE_FIN | WIRE_ACK, 5);
	UNIT_EQ_INT(wire_parse(f, n, &seg), WIRE_OK, "FIN with data parses");
	UNIT_EQ_INT(seg.payload, 5, "payload 5");
	UNIT_EQ_INT(wire_parse(f, 40, &seg), WIRE_ENOTTCP, "cut frame is not TCP");
	f[12] = 0x08, f[13] = 0x06;
	UNIT_EQ_INT(wire_parse(f, n, &seg), WIRE_ENOTTCP, "ARP is not TCP");

	/* Drop the 2nd FIN from a; count only from a. */
	memset(&st, 0, sizeof(st));
	wire_rule_parse("a:fin:2", &st.rules[st.nrules++]);
	n = mkframe(f, WIRE_FIN | WIRE_ACK, 0);
	UNIT_EQ_INT(wire_judge(&st, 1, f, n), 0, "FIN from b passes");
	UNIT_EQ_INT(wire_judge(&st, 0, f, n), 0, "1st FIN from a passes");
	UNIT_EQ_INT(wire_judge(&st, 0, f, n), 1, "2nd FIN from a dropped");
	UNIT_EQ_INT(wire_judge(&st, 0, f, n), 0, "3rd FIN from a passes");

	/* Hold the 1st data segment from a: forwarded, but late. */
	memset(&st, 0, sizeof(st));
	wire_rule_parse("a:data:1:+300", &st.rules[st.nrules++]);
	n = mkframe(f, WIRE_ACK, 10);
	UNIT_EQ_INT(wire_judge(&st, 0, f, n), 0, "held data is not dropped");
	UNIT_EQ_INT((int)st.hold_ms, 300, "1st data held 300 ms");
	UNIT_EQ_INT(wire_judge(&st, 0, f, n), 0, "2nd data passes");
	UNIT_EQ_INT((int)st.hold_ms, 0, "2nd data not held");
	UNIT_EQ_INT((int)(st.held * 10 + st.dropped), 10, "1 held, 0 dropped");

	/* The final ACK: a pure ACK from a after b's FIN went through. */
	memset(&st, 0, sizeof(st));
	wire_rule_parse("a:finack:1", &st.rules[st.nrules++]);
	n = mkframe(f, WIRE_ACK, 0);
	UNIT_EQ_INT(wire_judge(&st, 0, f, n), 0, "ACK before any FIN passes");
	n = mkframe(f, WIRE_FIN | WIRE_ACK, 0);
	UNIT_EQ_INT(wire_judge(&st, 1, f, n), 0, "FIN from b passes");
	n = mkframe(f, WIRE_ACK, 3);
	UNIT_EQ_INT(wire_judge(&st, 0, f, n), 0, "data from a is no pure ACK");
	n = mkframe(f, WIRE_ACK, 0);
	UNIT_EQ_INT(wire_judge(&st, 0, f, n), 1, "final ACK from a dropped");
	UNIT_EQ_INT(st.dropped, 1, "one drop counted");

	n = mkframe(f, WIRE_ACK | WIRE_PSH, 7);
	wire_csum_fix(f, n);
	UNIT_EQ_INT(verify(f, n), 0xffff, "TCP checksum verifies (odd length)");
	f[60] ^= 0x55;
	UNIT_CHECK(verify(f, n) != 0xffff, "a changed byte breaks it");
	return unit_done();
}
