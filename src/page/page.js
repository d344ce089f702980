/*
 * tcppage: draws the tcplab report embedded in this page (#report) — a
 * scenario report, a tcpobserve report or a grading results.json. The page
 * is a pure function of that JSON. Every string of the report goes into the
 * page as text (append / textContent / setAttribute), never as markup.
 * Elements that stand for a part of the report carry data-path (".moments.a
 * .snapshot") so a verdict's evidence path links to them.
 */
'use strict';
(function () {
	const SVGNS = 'http://www.w3.org/2000/svg';
	const LADDERS_MAX = 12;		/* more connections: overview rows */
	const ARROWS_MAX = 2000;	/* a ladder draws its first and last 1000 packets */
	const PAGE_ROWS = 100;		/* overview rows per page */
	const LEFT = 178, RIGHT = 90;	/* room for lifeline names, last label */
	const BAND_H = 20, ARROW_H = 86, ROW_H = 14, CHAR_W = 6.7;
	const STATES = [
		['CLOSED', 'CLOSED', 'no connection (before the SYN, after the end)'],
		['LISTEN', 'LISTEN', 'the server waits for connections (the listening socket)'],
		['SYN_SENT', 'SYN-SENT', 'the client sent its SYN, waits for the SYN,ACK'],
		['SYN_RCVD', 'SYN-RECEIVED', 'the server answered SYN,ACK, waits for the ACK'],
		['ESTABLISHED', 'ESTABLISHED', 'open: data flows both ways'],
		['FIN_WAIT_1', 'FIN-WAIT-1', 'active close: sent its FIN, waits for its ACK'],
		['FIN_WAIT_2', 'FIN-WAIT-2', 'its FIN is acknowledged, waits for the peer\'s FIN'],
		['CLOSE_WAIT', 'CLOSE-WAIT', 'passive close: got the peer\'s FIN, the application has not closed yet'],
		['CLOSING', 'CLOSING', 'both sent a FIN at once (simultaneous close)'],
		['LAST_ACK', 'LAST-ACK', 'passive close: sent its FIN, waits for the last ACK'],
		['TIME_WAIT', 'TIME-WAIT', 'the active closer waits 2MSL (Linux: 60 s) before the tuple is free'],
	];
	const FLAGS = [['S', 'SYN'], ['F', 'FIN'], ['R', 'RST'], ['P', 'PSH'],
		['A', 'ACK'], ['U', 'URG'], ['E', 'ECE'], ['C', 'CWR']];

	/* --- building elements: text is always a Text node ------------------- */
	function fill(e, attrs, kids) {
		for (const k in attrs || {})
			if (attrs[k] != null && attrs[k] !== false)
				e.setAttribute(k, String(attrs[k]));
		for (const k of kids.flat(3))
			if (k != null)
				e.append(k instanceof Node ? k : String(k));
		return e;
	}
	const h = (tag, attrs, ...kids) => fill(document.createElement(tag), attrs, kids);
	const s = (tag, attrs, ...kids) => fill(document.createElementNS(SVGNS, tag), attrs, kids);

	let nextId = 0;
	const byPath = new Map();
	function mark(e, path) {
		if (!e.id)
			e.id = 'e' + (++nextId);
		e.setAttribute('data-path', path);
		if (!byPath.has(path))
			byPath.set(path, e.id);
		return e;
	}
	/* The element of an evidence path: the path itself, else its nearest
	 * drawn ancestor (".moments.a.snapshot.sockets[] | select(...)" ->
	 * ".moments.a.snapshot"). */
	function resolve(ev) {
		let p = (String(ev).match(/^\.[A-Za-z0-9_.\[\]]*/) || [''])[0];
		while (p) {
			if (byPath.has(p))
				return byPath.get(p);
			const m = p.match(/^(.*?)(\.[A-Za-z0-9_]+|\[\d*\])$/);
			if (!m)
				break;
			p = m[1];
		}
		return null;
	}

	/* --- words and numbers ------------------------------------------------ */
	const num = v => typeof v === 'number' && Number.isFinite(v);
	const f6 = t => num(t) ? t.toFixed(6) : '?';
	const f3 = t => num(t) ? t.toFixed(3) : '?';
	function dur(d) {
		if (!num(d)) return '?';
		if (d >= 1) return d.toFixed(d >= 10 ? 1 : 2) + ' s';
		if (d >= 1e-3) return (d * 1e3).toFixed(d >= 0.01 ? 0 : 1) + ' ms';
		return Math.round(d * 1e6) + ' µs';
	}
	const iso = e => num(e) ? new Date(e * 1000).toISOString() : '?';
	function flagText(p) {
		const f = String(p.flags || '');
		const names = FLAGS.filter(([c]) => f.includes(c)).map(([, n]) => n);
		return (names.join(',') || '(none)') + (p.len ? ' ' + p.len : '');
	}
	function ep(e) {
		if (!e) return '?';
		const a = String(e.addr);
		return (a.includes(':') ? '[' + a + ']' : a) + ':' + e.port;
	}
	const str = v => v == null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
	const stateClass = st => 's-' + String(st).replace(/[^A-Z0-9_]/g, '');

	/* --- the piecewise time axis ------------------------------------------ */
	/* Every event time is a breakpoint; an interval of d seconds between two
	 * breakpoints is drawn min + k*log10(1 + d/unit) px wide, linear inside. */
	function makeAxis(times, o) {
		const us = [...new Set(times.filter(num).map(t => Math.round(t * 1e6)))]
			.sort((a, b) => a - b);
		const ts = us.map(u => u / 1e6), gap = d => Math.log10(1 + d / o.unit);
		let k = o.k;
		if (o.fit) {
			let sum = 0;
			for (let i = 1; i < ts.length; i++) sum += gap(ts[i] - ts[i - 1]);
			k = sum > 0 ? o.fit / sum : 1;
		}
		const xs = [];
		let x = o.left;
		ts.forEach((t, i) => {
			if (i) x += (o.min || 0) + k * gap(t - ts[i - 1]);
			xs.push(x);
		});
		if (!ts.length) { ts.push(0); xs.push(o.left); }
		function at(t) {
			if (!num(t) || t <= ts[0]) return xs[0];
			const n = ts.length - 1;
			if (t >= ts[n]) return xs[n];
			let lo = 0, hi = n;
			while (hi - lo > 1) {
				const mid = (lo + hi) >> 1;
				if (ts[mid] <= t) lo = mid; else hi = mid;
			}
			return xs[lo] + (xs[hi] - xs[lo]) * (t - ts[lo]) / (ts[hi] - ts[lo]);
		}
		return { ts, xs, at, end: ts[ts.length - 1], width: x + o.right };
	}

	/* Greedy rows for labels [{x, w}]: each goes into the first row where it
	 * does not overlap; returns the number of rows and sets .row. */
	function pack(items) {
		const ends = [];
		for (const it of items.slice().sort((a, b) => a.x - b.x)) {
			let r = ends.findIndex(e => e <= it.x);
			if (r < 0) { r = ends.length; ends.push(0); }
			ends[r] = it.x + it.w + 6;
			it.row = r;
		}
		return ends.length;
	}

	/* --- a connection's model ---------------------------------------------- */
	function bandsOf(c, side, end) {
		const st = (c.states && c.states[side]) || [];
		const tw = (c.time_wait || []).find(w => w.side === side || w.side === 'both');
		return st.map((b, i) => {
			let e = i + 1 < st.length ? st[i + 1].t : end;
			if (i + 1 === st.length && b.state === 'TIME_WAIT' && tw)
				e = num(tw.ended) ? tw.ended : tw.until;
			return { state: b.state, t: b.t, end: Math.max(e, b.t), i };
		});
	}
	function eventTimes(c) {
		const t = [];
		for (const side of ['client', 'server'])
			for (const b of (c.states && c.states[side]) || []) t.push(b.t);
		for (const [, p] of shown(c)) t.push(p.t);
		for (const w of c.time_wait || []) t.push(w.since, w.until, w.ended);
		return t;
	}
	/* The packets a ladder draws, [index, packet]: all, or the first and
	 * the last ARROWS_MAX / 2 (a bulk transfer would make a ladder of
	 * kilometres; the states are all drawn anyway). */
	function shown(c) {
		const p = (c.packets || []).map((q, i) => [i, q]);
		return p.length <= ARROWS_MAX ? p : p.slice(0, ARROWS_MAX / 2).concat(p.slice(-ARROWS_MAX / 2));
	}
	function retransmissions(c) {
		const hi = {}, out = [];
		for (const p of c.packets || []) {
			const f = String(p.flags), end = p.seq + p.len + (/[SF]/.test(f) ? 1 : 0);
			out.push(p.from in hi && !f.includes('R') && end > p.seq && end <= hi[p.from]);
			if (!(p.from in hi) || hi[p.from] < end) hi[p.from] = end;
		}
		return out;
	}
	function clientLines(R) {
		const t0 = R.t0, out = new Map();
		(R.clients || []).forEach((cl, ci) => {
			const items = [];
			(cl.lines || []).forEach((l, j) => items.push({ t: l.t - t0, text: str(l.text),
				path: `.clients[${ci}].lines[${j}]`, epoch: l.t }));
			(cl.typed || []).forEach((l, j) => items.push({ t: l.t - t0, typed: true,
				text: '> ' + str(l.text) + ' (typed)', path: `.clients[${ci}].typed[${j}]` }));
			for (const k of ['daytime', 'closed']) {
				const d = cl[k];
				const it = d && items.find(i => i.epoch === d.epoch && i.text === str(d.text));
				if (it) it.alias = `.clients[${ci}].${k}`;
			}
			const key = num(cl.connection_index) ? cl.connection_index : 'none';
			if (!out.has(key)) out.set(key, []);
			out.get(key).push({ name: str(cl.name || 'client ' + (ci + 1)), pid: cl.pid,
				items: items.sort((a, b) => a.t - b.t), path: `.clients[${ci}]` });
		});
		return out;
	}

	/* --- drawing a ladder ------------------------------------------------------ */
	let pktinfo = null;
	function pktText(c, p, retx) {
		const to = p.from === 'client' ? 'server' : 'client';
		return `t=${f6(p.t)} s  ${p.from} ${ep(c[p.from])} → ${to} ${ep(c[to])}  ` +
			`${flagText(p)}${retx ? ' (retransmission)' : ''}  seq=${p.seq} ack=${p.ack} len=${p.len}` +
			`  | after it: client ${p.client_state}, server ${p.server_state}`;
	}
	function showPkt(text) {
		if (pktinfo) pktinfo.textContent = text;
	}

	function drawBand(g, b, side, x0, x1, y, labels, path) {
		const w = Math.max(x1 - x0, 2), label = b.state;
		const grp = mark(s('g', { class: 'band ' + stateClass(b.state), 'data-side': side,
			'data-state': b.state, 'data-t': String(b.t), 'data-i': b.i }), `${path}.states.${side}[${b.i}]`);
		grp.append(s('rect', { class: 'band ' + stateClass(b.state), x: x0, y, width: w, height: BAND_H }),
			s('title', {}, `${side} ${b.state} from t=${f6(b.t)} s to t=${f6(b.end)} s (${dur(b.end - b.t)})`));
		const tw = label.length * CHAR_W + 6;
		if (tw <= w)
			grp.append(s('text', { class: 'band-label', x: x0 + 3, y: y + 14 }, label));
		else
			labels.push({ x: x0, w: tw, text: label, grp });
		g.append(grp);
		return grp;
	}
	function placeLabels(labels, yFirst, dir) {
		const rows = pack(labels);
		for (const l of labels) {
			const y = yFirst + dir * l.row * ROW_H;
			l.grp.append(s('line', { x1: l.x + 1, x2: l.x + 1, y1: y + (dir > 0 ? -11 : 3), y2: y + (dir > 0 ? -15 : 7), stroke: '#555' }),
				s('text', { class: 'band-label', x: l.x + 1, y }, l.text));
		}
		return rows;
	}

	function drawLadder(c, ci, axis, ctx) {
		const path = `.connections[${ci}]`, end = axis.end;
		const lanes = ctx.lanes || [];
		const laneItems = [];
		for (const ln of lanes)
			for (const it of ln.items)
				laneItems.push(Object.assign(it, { x: axis.at(it.t), w: it.text.length * CHAR_W + 8 }));
		const laneRows = pack(laneItems);
		const cb = bandsOf(c, 'client', end), sb = bandsOf(c, 'server', end);
		const cl = [], sl = [];
		const svg = s('svg', { class: 'ladder-svg', role: 'img',
			'aria-label': `ladder of connection ${c.id}` });
		const bands = s('g'), pk = s('g'), marks = s('g');
		/* client bands first, to know how many label rows go above them */
		const tmpC = s('g'), tmpS = s('g');
		cb.forEach(b => drawBand(tmpC, b, 'client', axis.at(b.t), axis.at(b.end), 0, cl, path));
		sb.forEach(b => drawBand(tmpS, b, 'server', axis.at(b.t), axis.at(b.end), 0, sl, path));
		const cRows = pack(cl.map(l => Object.assign({}, l))), sRows = pack(sl.map(l => Object.assign({}, l)));
		const yLane = 18, yCL = yLane + laneRows * ROW_H + (laneRows ? 6 : 0);
		const yC = yCL + cRows * ROW_H + 4, yS = yC + BAND_H + ARROW_H;
		const height = yS + BAND_H + sRows * ROW_H + 10;
		/* now at their real y */
		cl.length = 0; sl.length = 0;
		cb.forEach(b => drawBand(bands, b, 'client', axis.at(b.t), axis.at(b.end), yC, cl, path));
		sb.forEach(b => drawBand(bands, b, 'server', axis.at(b.t), axis.at(b.end), yS, sl, path));
		placeLabels(cl, yC - 4 - (cRows - 1) * ROW_H, 1);
		placeLabels(sl, yS + BAND_H + 12, 1);
		for (const w of c.time_wait || []) {
			const band = bands.querySelector(`g.band[data-side="${w.side === 'client' ? 'client' : 'server'}"][data-state="TIME_WAIT"]`);
			if (band) mark(band, `${path}.time_wait`);
		}
		svg.append(s('text', { class: 'lifeline-name', x: 4, y: yC + 14 }, 'client ' + ep(c.client)),
			s('text', { class: 'lifeline-name', x: 4, y: yS + 14 }, 'server ' + ep(c.server)));
		/* the lanes of the clients' lines */
		for (const ln of lanes)
			svg.append(s('text', { class: 'lifeline-name', x: 4, y: yLane + 10 }, `${ln.name} (pid ${ln.pid})`));
		for (const it of laneItems) {
			const y = yLane + 10 + it.row * ROW_H;
			const g = mark(s('g', { class: 'cline' + (it.typed ? ' typed' : ''), 'data-t': String(it.t) }), it.path);
			if (it.alias) mark(g, it.alias).setAttribute('data-path', it.path);
			g.append(s('line', { x1: it.x, x2: it.x, y1: y + 2, y2: yC }),
				s('text', { x: it.x + 2, y }, it.text),
				s('title', {}, `t=${f6(it.t)} s  ${it.text}`));
			svg.append(g);
		}
		/* packets */
		const retx = retransmissions(c);
		for (const [i, p] of shown(c)) {
			const x = axis.at(p.t), down = p.from === 'client', f = String(p.flags);
			const y1 = down ? yC + BAND_H : yS, y2 = down ? yS - 1 : yC + BAND_H + 1;
			const kind = f.includes('R') ? 'rst' : retx[i] ? 'retx' : 'std';
			const text = pktText(c, p, retx[i]);
			const g = mark(s('g', { class: 'pkt ' + (kind === 'std' ? '' : kind), tabindex: 0,
				'data-i': i, 'data-t': String(p.t), 'data-from': p.from, 'data-flags': f,
				'aria-label': text }), `${path}.packets[${i}]`);
			const ly = yC + BAND_H + 16 + (i % 4) * 17, label = flagText(p) + (retx[i] ? ' (retx)' : '');
			g.append(s('line', { x1: x, x2: x, y1, y2, 'marker-end': `url(#ah-${kind})` }),
				s('rect', { class: 'lbg', x: x + 3, y: ly - 10, width: label.length * 6.3 + 2, height: 13 }),
				s('text', { x: x + 4, y: ly }, label), s('title', {}, text));
			g.addEventListener('focus', () => showPkt(text));
			g.addEventListener('mouseenter', () => showPkt(text));
			pk.append(g);
		}
		/* the moments */
		for (const m of ctx.moments || []) {
			const x = axis.at(m.t);
			marks.append(s('g', { class: 'moment', 'data-moment': m.id, 'data-t': String(m.t) },
				s('line', { x1: x, x2: x, y1: 2, y2: height }),
				s('a', { href: '#moment-' + m.id }, s('text', { x: x + 2, y: 12 }, `(${m.id})`))));
		}
		svg.append(bands, marks, pk);
		svg.setAttribute('width', axis.width);
		svg.setAttribute('height', height);
		svg.setAttribute('viewBox', `0 0 ${axis.width} ${height}`);
		const head = h('div', { class: 'ladder-head' }, ...ladderHead(c, path));
		return mark(h('div', { class: 'ladder', 'data-conn': c.id, 'data-index': ci }, head, svg), path);
	}
	function ladderHead(c, path) {
		const tw = (c.time_wait || []).map(w => `${w.side} from t=${f3(w.since)} until ${f3(w.until)}` +
			(num(w.ended) ? ` (ended ${f3(w.ended)})` : ' (the capture ended before it expired)'));
		const parts = [h('b', {}, `connection ${c.id}`), `: client ${ep(c.client)} → server ${ep(c.server)}  `,
			h('span', { class: 'mono' }, `[${str(c.conn_state)} ${str(c.history)}]`),
			mark(h('span', {}, `  active close: ${c.active_closer || 'nobody'}`), `${path}.active_closer`),
			tw.length ? `; TIME_WAIT: ${tw.join(', ')}` : ''];
		if (c.partial) parts.push(h('span', { class: 'note' }, `; partial: the start was not captured (roles by ${str(c.roles)})`));
		if (c.rst) parts.push(`; RST from ${c.rst_from}`);
		if (!c.packets) parts.push(h('span', { class: 'note' }, '; no per-packet list in the report (states only)'));
		else if (c.packets.length > ARROWS_MAX)
			parts.push(h('span', { class: 'note' }, `; ${c.packets.length} packets: the first and the last ` +
				`${ARROWS_MAX / 2} are drawn, the ${c.packets.length - ARROWS_MAX} between them are in the JSON`));
		return parts;
	}

	/* The axis strip: ticks at the breakpoints that have room, and the
	 * compressed intervals marked with their real length. */
	function drawAxis(axis, moments) {
		const svg = s('svg', { class: 'axis-svg axis', width: axis.width, height: 50,
			viewBox: `0 0 ${axis.width} 50` });
		svg.append(s('line', { x1: axis.xs[0], x2: axis.xs[axis.xs.length - 1], y1: 42, y2: 42 }),
			axis.xs[0] >= 150 ? s('text', { x: 4, y: 46 }, 't (s after first packet)') : null);
		let last = -1e9;
		axis.ts.forEach((t, i) => {
			const x = axis.xs[i];
			svg.append(s('line', { x1: x, x2: x, y1: 38, y2: 46 }));
			if (x - last >= 64) {
				svg.append(s('text', { x: x + 2, y: 36 }, t >= 1 ? f3(t) : f6(t)));
				last = x;
			}
			if (i && t - axis.ts[i - 1] >= 0.1) {
				const mx = (x + axis.xs[i - 1]) / 2;
				svg.append(s('g', { class: 'break' },
					s('path', { d: `M${mx - 5} 48 l4 -12 M${mx + 1} 48 l4 -12`, stroke: '#8a2be2' }),
					s('text', { x: mx - 14, y: 23 }, '≈' + dur(t - axis.ts[i - 1]))));
			}
		});
		for (const m of moments || [])
			svg.append(s('text', { x: axis.at(m.t) + 2, y: 10, class: 'moment' }, `(${m.id})`));
		return svg;
	}
	const AXIS_NOTE = 'Time axis: seconds after the first captured packet, read at the ticks. ' +
		'The axis is piecewise: every event (a packet, a state change, a client line, a moment) is a ' +
		'tick, and the interval between two ticks is drawn with a width that grows with the logarithm ' +
		'of its length, so the microseconds of a handshake and the 60 s of TIME_WAIT are both readable. ' +
		'≈ marks an interval drawn shorter than it is, with its real length.';

	function markerDefs() {
		const defs = s('defs');
		for (const [k, col] of [['std', '#303030'], ['retx', '#8a5a00'], ['rst', '#c00000']])
			defs.append(s('marker', { id: 'ah-' + k, viewBox: '0 0 10 10', refX: 9, refY: 5,
				markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
			s('path', { d: 'M0 0 L10 5 L0 10 z', fill: col })));
		return s('svg', { width: 0, height: 0, style: 'position:absolute', 'aria-hidden': 'true' }, defs);
	}

	/* --- sections ------------------------------------------------------------ */
	function legend() {
		const items = STATES.map(([n, rfc, what]) => h('div', {},
			h('span', { class: 'sw ' + stateClass(n) }, n), `${rfc !== n ? '(' + rfc + ') ' : ''}${what}`));
		return [h('h2', { id: 'legend' }, 'Legend: the TCP states (RFC 793, UNP Figure 2.4)'),
			h('div', { class: 'legend' }, items),
			h('p', { class: 'note' }, 'Packets are vertical arrows from sender to receiver (on loopback the ' +
				'send and the arrival are the same instant), labelled with their flags and payload length ' +
				'(PSH,ACK 26). A dashed arrow with "(retx)" is a retransmission; a thick red arrow is a RST. ' +
				'Tab or hover a packet: its seq/ack and both sides\' states after it appear at the bottom. ' +
				'Dotted purple lines are the lab\'s moments (a)–(d).')];
	}
	function facts(rows) {
		const dl = h('dl', { class: 'facts' });
		for (const [k, v, path] of rows) {
			if (v == null || v === '') continue;
			const dd = h('dd', {}, v);
			if (path) mark(dd, path);
			dl.append(h('dt', {}, k), dd);
		}
		return dl;
	}
	function verdictSection(R) {
		const v = R.verdict || {}, out = [h('h2', { id: 'verdict' }, 'Verdict')];
		const ol = h('ol', { class: 'verdict' });
		const evLinks = evs => h('span', { class: 'ev' }, ' evidence: ', evs.map(ev => {
			const id = resolve(ev);
			return id ? h('a', { href: '#' + id, 'data-evidence': str(ev), 'data-target': id }, str(ev))
				: h('code', { 'data-evidence': str(ev) }, str(ev) + ' ');
		}));
		if (Array.isArray(v.sentences)) {
			v.sentences.forEach((sn, i) => ol.append(mark(h('li', {}, str(sn.text || sn),
				h('br'), evLinks(sn.evidence || [])), `.verdict.sentences[${i}]`)));
		} else {
			for (const k of Object.keys(v))
				if (typeof v[k] !== 'object' || v[k] === null)
					ol.append(mark(h('li', {}, `${k}: ${str(v[k])}`), `.verdict.${k}`));
			(v.connections || []).forEach(c => {
				if (c.first_fin && c.first_fin.evidence)
					ol.append(h('li', {}, `connection ${c.id}: first FIN from the ${c.first_fin.from} at t=${f3(c.first_fin.t)}`,
						h('br'), evLinks([c.first_fin.evidence])));
			});
		}
		out.push(ol);
		const keys = Object.keys(v).filter(k => k !== 'sentences');
		if (keys.length) {
			const dl = h('dl', { class: 'facts' });
			for (const k of keys)
				dl.append(h('dt', {}, k), mark(h('dd', {}, JSON.stringify(v[k])), `.verdict.${k}`));
			out.push(h('details', { class: 'noprint' }, h('summary', {}, 'The measured facts behind the verdict (.verdict)'), dl));
		}
		return out;
	}
	function netstat(snap, path) {
		const tbl = h('table', { class: 'netstat' });
		const cols = ['Proto', 'Recv-Q', 'Send-Q', 'Local Address', 'Foreign Address', 'State', 'PID/Program name', 'Timer'];
		tbl.append(h('tr', {}, cols.map((c, i) => h('th', { class: i && i < 3 ? 'num' : null }, c))));
		const addr = (e, isRemote) => {
			const a = String(e && e.addr), p = e && e.port;
			return a + ':' + (isRemote && !p ? '*' : p);
		};
		(snap.sockets || []).forEach((k, i) => {
			const listen = k.state === 'LISTEN';
			const timer = k.timer ? `${k.timer.kind} (${Number(k.timer.left).toFixed(2)}/${k.timer.retrans || 0}/0)` : 'off (0.00/0/0)';
			const owners = (k.procs || []).map(p => `${p.pid}/${str(p.comm)}`).join(',') || '-';
			tbl.append(mark(h('tr', { 'data-state': k.state },
				h('td', {}, k.family === 'inet6' ? 'tcp6' : 'tcp'),
				h('td', { class: 'num' }, String(k.recv_q)),
				h('td', { class: 'num', title: listen ? `ss shows the backlog limit here: ${k.send_q}` : null },
					String(listen ? 0 : k.send_q)),
				h('td', {}, addr(k.local)), h('td', {}, addr(k.remote, true)),
				h('td', {}, k.state), h('td', {}, owners), h('td', {}, timer)), `${path}.sockets[${i}]`));
		});
		return mark(tbl, path);
	}
	function momentsSection(R, moments) {
		if (!moments.length) return [];
		const box = h('div', { class: 'moments' });
		for (const m of moments) {
			const M = R.moments[m.id], path = `.moments.${m.id}`;
			const div = h('div', { class: 'moment-box', id: 'moment-' + m.id, 'data-moment': m.id, 'data-t': String(m.t) },
				h('h3', {}, `(${m.id}) ${str(M.label)} — t=${f3(m.t)} s`));
			mark(div, path);
			if (M.snapshot) div.append(h('div', { class: 'note' }, 'netstat -tanop (kernel sockets, tcpobserve --snapshot):'),
				h('div', { class: 'scroll' }, netstat(M.snapshot, path + '.snapshot')));
			if (M.process_tree) div.append(h('div', { class: 'note' }, 'pstree -p:'),
				mark(h('pre', {}, str(M.process_tree.text)), path + '.process_tree'));
			box.append(div);
		}
		return [h('h2', { id: 'moments' }, 'The moments: the kernel\'s sockets and the processes'),
			h('p', { class: 'why' }, 'Why: the kernel completes a handshake before the server calls accept(); ' +
				'a completed connection not yet accepted waits in the accept queue, counted in the Recv-Q of the ' +
				'LISTEN socket (netstat shows Send-Q 0 for it; ss shows the backlog limit there).'),
			h('p', { class: 'why' }, 'Why: the side that closes first (the active closer) holds TIME_WAIT for 2MSL — ' +
				'Linux fixes it at 60 s — so a late duplicate cannot be taken for a new connection and its last ACK ' +
				'can be sent again. A fork server\'s parent must close its copy of the connected socket, and the ' +
				'child its copy of the listening one: a socket is closed only when its last descriptor is.'),
			box];
	}
	/* The FIN packets as `tcpdump -nn -i lo 'tcp[13] & 1 != 0'` prints them
	 * (relative seq, as tcpdump does after the SYN; UTC), the side after. */
	function finSection(R, conns) {
		const TD = [['F', 'F'], ['S', 'S'], ['R', 'R'], ['P', 'P'], ['A', '.'], ['U', 'U'], ['E', 'E'], ['C', 'W']];
		const pre = h('pre', {});
		const hms = e => {
			const us = Math.round(e * 1e6), d = new Date(Math.floor(us / 1e6) * 1000);
			return d.toISOString().slice(11, 19) + '.' + String(us % 1e6).padStart(6, '0');
		};
		const dot = e => String(e.addr) + '.' + e.port;
		let n = 0;
		for (const c of conns)
			(c.packets || []).forEach((p, i) => {
				const f = String(p.flags);
				if (!f.includes('F')) return;
				const to = p.from === 'client' ? 'server' : 'client';
				const seq = p.len ? `${p.seq}:${p.seq + p.len}` : String(p.seq);
				pre.append(mark(h('span', {}, `${hms(R.t0 + p.t)} ${String(c.client.addr).includes(':') ? 'IP6' : 'IP'} ` +
					`${dot(c[p.from])} > ${dot(c[to])}: Flags [${TD.filter(([k]) => f.includes(k)).map(([, v]) => v).join('')}], ` +
					`seq ${seq}${f.includes('A') ? ', ack ' + p.ack : ''}, length ${p.len}   (${p.from})`),
				`.connections[${c._i}].packets[${i}]`), '\n');
				n++;
			});
		if (!n) return [];
		return [h('h2', { id: 'fins' }, 'The FIN packets, as tcpdump prints them'),
			h('p', { class: 'note' }, 'The packets `tcpdump -nn -i lo \'tcp[13] & 1 != 0\'` selects, in tcpdump\'s syntax, ' +
				'with the side that sent each. Times in UTC; seq/ack relative to each side\'s initial sequence number, as ' +
				'tcpdump prints them when it has seen the handshake (with that filter it has not, and prints the first ' +
				'FIN\'s absolute numbers); tcpdump also prints win and options, which the report does not keep.'), pre];
	}

	function logSection(R) {
		const S = R.server;
		if (!S) return [];
		const out = [h('h2', { id: 'server' }, `Server (pid ${S.pid})`)];
		for (const k of ['stdout', 'stderr', 'log']) {
			if (!Array.isArray(S[k]) || !S[k].length) continue;
			const pre = mark(h('pre', {}), `.server.${k}`);
			S[k].forEach((l, i) => pre.append(mark(h('span', {}, str(l)), `.server.${k}[${i}]`), '\n'));
			out.push(h('h3', {}, k), pre);
		}
		return out;
	}

	/* The whole run at a glance, fitted to the window: per connection the
	 * two sides' states as thin labelled bands, each client's lines as
	 * ticks, the moments; the ladders below have the detail. */
	function storyStrip(conns, moments, lanes) {
		const times = [];
		conns.forEach(c => times.push(...eventTimes(c)));
		moments.forEach(m => times.push(m.t));
		for (const ls of lanes.values()) for (const ln of ls) for (const it of ln.items) times.push(it.t);
		const axis = makeAxis(times, { left: 120, right: 30, fit: 1000, unit: 1e-4 });
		const svg = s('svg', { class: 'axis-svg story', role: 'img', 'aria-label': 'the run at a glance' });
		let y = 56;
		const row = (label, bands) => {
			svg.append(s('text', { x: 4, y: y + 10 }, label));
			for (const b of bands) {
				const x = axis.at(b.t), w = Math.max(axis.at(b.end) - x, 1);
				svg.append(s('rect', { class: 'band ' + stateClass(b.state), x, y, width: w, height: 13 },
					s('title', {}, `${label} ${b.state} from t=${f6(b.t)} s (${dur(b.end - b.t)})`)));
				if (w >= b.state.length * 5.6 + 4)
					svg.append(s('text', { class: 'story-label', x: x + 2, y: y + 10 }, b.state));
			}
			y += 16;
		};
		conns.forEach(c => {
			for (const ln of lanes.get(c._i) || []) {
				svg.append(s('text', { x: 4, y: y + 9 }, ln.name));
				for (const it of ln.items)
					svg.append(s('line', { class: 'story-tick', x1: axis.at(it.t), x2: axis.at(it.t), y1: y, y2: y + 11 },
						s('title', {}, `t=${f3(it.t)} ${it.text}`)));
				y += 15;
			}
			row(`#${c.id} client`, bandsOf(c, 'client', axis.end));
			row(`#${c.id} server`, bandsOf(c, 'server', axis.end));
			y += 6;
		});
		const axSvg = drawAxis(axis, moments);
		for (const k of [...axSvg.childNodes]) svg.append(k);
		for (const m of moments) {
			const x = axis.at(m.t);
			svg.append(s('g', { class: 'moment' }, s('line', { x1: x, x2: x, y1: 12, y2: y })));
		}
		svg.setAttribute('viewBox', `0 0 ${axis.width} ${y}`);
		svg.setAttribute('width', axis.width);
		svg.setAttribute('height', y);
		return svg;
	}

	/* Ladders of all connections on one shared axis, with the moments and
	 * each client's lines on a lane of its connection. */
	function laddersSection(R, conns, moments) {
		const lanes = clientLines(R);
		const times = [];
		conns.forEach(c => times.push(...eventTimes(c)));
		moments.forEach(m => times.push(m.t));
		for (const ls of lanes.values()) for (const ln of ls) for (const it of ln.items) times.push(it.t);
		const axis = makeAxis(times, { left: LEFT, right: RIGHT, min: 62, k: 44, unit: 1e-4 });
		const wrap = h('div', { class: 'scroll', id: 'ladders' }, drawAxis(axis, moments));
		const fit = h('button', { type: 'button', class: 'noprint', 'aria-pressed': 'false' }, 'fit the ladders to the window');
		fit.addEventListener('click', () => {
			const on = wrap.classList.toggle('fit');
			fit.setAttribute('aria-pressed', String(on));
			fit.textContent = on ? 'ladders at full size' : 'fit the ladders to the window';
		});
		conns.forEach(c => wrap.append(drawLadder(c, c._i, axis,
			{ moments, lanes: lanes.get(c._i) || [] })));
		const orphan = lanes.get('none');
		if (orphan) wrap.append(drawLadder({ id: '-', client: null, server: null }, -1, axis, { moments, lanes: orphan }));
		return [h('h2', { id: 'glance' }, 'At a glance'),
			h('div', { class: 'glance' }, storyStrip(conns, moments, lanes)),
			h('h2', { id: 'time' }, conns.length === 1 ? 'The connection' : `The ${conns.length} connections on one time axis`),
			h('p', { class: 'note' }, AXIS_NOTE, ' ', fit), wrap];
	}

	/* Many connections: one row each (client band above, server band below),
	 * a page at a time; a row opens to its ladder, drawn when opened. */
	function overviewSection(R, conns) {
		const root = h('div', { class: 'overview', id: 'overview' });
		const pages = Math.max(1, Math.ceil(conns.length / PAGE_ROWS));
		const nav = h('div', { class: 'pager' });
		const info = h('span');
		const prev = h('button', { type: 'button' }, '◀ previous'), next = h('button', { type: 'button' }, 'next ▶');
		const jump = h('input', { type: 'number', min: 1, max: conns.length, size: 8, 'aria-label': 'go to connection number' });
		const rows = h('div', { id: 'rows' });
		let page = 0;
		function row(c, ci, axis) {
			const d = h('details', { class: 'ov-row', 'data-conn': c.id });
			const svg = s('svg', { width: axis.width, height: 16, role: 'img',
				'aria-label': `client ${statesText(c, 'client')}; server ${statesText(c, 'server')}` });
			for (const [side, y] of [['client', 1], ['server', 9]])
				for (const b of bandsOf(c, side, axis.end)) {
					const x = axis.at(b.t);
					svg.append(s('rect', { class: stateClass(b.state), x, y, width: Math.max(axis.at(b.end) - x, 1), height: 6 },
						s('title', {}, `${side} ${b.state} t=${f6(b.t)}..${f6(b.end)}`)));
				}
			d.append(h('summary', {}, h('span', {}, '#' + c.id),
				h('span', { class: 'mono' }, `${ep(c.client)} → ${ep(c.server)} ${str(c.conn_state)} closer:${c.active_closer || '-'}`), svg));
			d.addEventListener('toggle', () => {
				if (!d.open || d.querySelector('.ladder')) return;
				const ax = makeAxis(eventTimes(c), { left: LEFT, right: RIGHT, min: 62, k: 44, unit: 1e-4 });
				d.append(h('div', { class: 'scroll' }, drawAxis(ax, []), drawLadder(c, ci, ax, {})));
			});
			return d;
		}
		function show(p) {
			page = Math.max(0, Math.min(pages - 1, p));
			const part = conns.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS);
			const times = [];
			part.forEach(c => { for (const side of ['client', 'server']) for (const b of c.states[side] || []) times.push(b.t);
				for (const w of c.time_wait || []) times.push(w.until, w.ended); });
			const axis = makeAxis(times, { left: 0, right: 2, fit: 700, unit: 1e-4 });
			const head = h('div', { class: 'ov-head', 'aria-hidden': 'true' }, h('span'), h('span'), drawAxis(axis, []));
			rows.replaceChildren(head, ...part.map(c => row(c, c._i, axis)));
			info.textContent = `connections ${page * PAGE_ROWS + 1}–${page * PAGE_ROWS + part.length} of ${conns.length}, page ${page + 1} of ${pages}`;
			prev.disabled = page === 0;
			next.disabled = page === pages - 1;
		}
		prev.addEventListener('click', () => show(page - 1));
		next.addEventListener('click', () => show(page + 1));
		jump.addEventListener('change', () => {
			const i = conns.findIndex(c => c.id === Number(jump.value));
			if (i >= 0) { show(Math.floor(i / PAGE_ROWS)); rows.children[1 + i % PAGE_ROWS].open = true; }
		});
		nav.append(prev, next, info, h('label', {}, ' go to connection #', jump));
		root.append(nav, rows);
		show(0);
		return [h('h2', { id: 'connections' }, `The ${conns.length} connections`),
			h('p', { class: 'note' }, 'One row per connection: the client\'s states (upper band) and the server\'s ' +
				'(lower band) on a piecewise axis shared by the rows of this page; open a row (Enter or click) ' +
				'for its ladder. Hover a band for its state and times.'), root];
	}
	const statesText = (c, side) => ((c.states && c.states[side]) || []).map(b => b.state).join(' ');

	function connectionsSection(R, moments) {
		/* tcpobserve writes connections as they finish: shown by id, each
		 * keeping its index in the report for its paths */
		(R.connections || []).forEach((c, i) => { c._i = i; });
		const conns = (R.connections || []).slice().sort((a, b) => a.id - b.id);
		if (!conns.length)
			return [h('h2', { id: 'time' }, 'Connections'), h('p', {}, 'No TCP connection in this capture.')];
		if (conns.length <= LADDERS_MAX)
			return laddersSection(R, conns, moments);
		return overviewSection(R, conns);
	}

	function captureFacts(R) {
		const src = R.source || (R.observer && R.observer.source) || {}, cap = R.capture || {};
		return facts([
			['capture file', str(src.path || src.written_to), src.path ? '.source.path' : null],
			['interface', str(src.interface)], ['format', str(src.format)], ['link type', str(src.linktype)],
			['filter', str(src.filter)], ['first packet (t = 0)', num(R.t0) ? `${iso(R.t0)} (${R.t0})` : null, '.t0'],
			['packets', cap.packets != null ? `${cap.packets} (${cap.tcp_packets} TCP, ${cap.other_packets} other), ` +
				`${cap.dropped} dropped, malformed: ${JSON.stringify(cap.malformed || {})}` : null, '.capture'],
			['connections', str(cap.connections)], ['duration', num(cap.duration) ? f6(cap.duration) + ' s' : null],
			['truncated', str(cap.truncated)],
			['this page', R._page ? pageNote(R._page) : null, '._page'],
		]);
	}

	function pageNote(p) {
		const cut = [];
		if (p.packets_kept < p.connections_kept)
			cut.push(`per-packet lists are kept for the first ${p.packets_kept} connections only`);
		if (p.connections_kept < p.connections)
			cut.push(`only the first ${p.connections_kept} of its ${p.connections} connections are in the page`);
		if (!cut.length) return null;
		return `the report has ${p.input_bytes} bytes, too many for a browser: ${cut.join(', and ')} ` +
			'(the JSON report has everything)';
	}

	function scenarioPage(R, main) {
		const P = R.parameters || {};
		const moments = Object.keys(R.moments || {}).sort().filter(k => R.moments[k] && num(R.moments[k].t))
			.map(k => ({ id: k, t: R.moments[k].t }));
		main.append(h('h1', {}, `tcplab scenario: ${str(R.scenario)}`));
		const rows = Object.keys(P).map(k => {
			let v = P[k];
			if (['started', 'exit_typed'].includes(k) && num(v)) v = `${iso(v)} (t=${f3(v - R.t0)})`;
			else v = Array.isArray(v) ? v.map(str).join(' | ') : str(v);
			return [k, v, `.parameters.${k}`];
		});
		rows.push(['this page', location.href]);
		main.append(facts(rows));
		const body = [...connectionsSection(R, moments), ...finSection(R, R.connections || []),
			...momentsSection(R, moments), ...logSection(R),
			h('h2', { id: 'capture' }, 'Capture'), captureFacts(R), ...legend()];
		main.append(...verdictSection(R), ...body);
		/* the verdict links were resolved before the body existed: redo */
		for (const a of main.querySelectorAll('.verdict [data-evidence]')) relink(a);
	}
	function relink(e) {
		const id = resolve(e.getAttribute('data-evidence'));
		if (!id || e.tagName === 'A') return;
		const a = h('a', { href: '#' + id, 'data-evidence': e.getAttribute('data-evidence'), 'data-target': id },
			e.getAttribute('data-evidence'));
		e.replaceWith(a, ' ');
	}

	function capturePage(R, main) {
		main.append(h('h1', {}, `tcpobserve: ${str((R.source && (R.source.path || R.source.interface)) || 'report')}`),
			captureFacts(R), ...connectionsSection(R, []), ...legend());
	}

	function gradingPage(R, main) {
		const X = R.extra_data || {};
		main.append(h('h1', {}, `tcplab grading: ${str(X.student || '')}`),
			h('p', { class: 'score' }, h('b', {}, `${str(R.score)} / ${str(X.max_score)}`), '  ', str(R.output)),
			facts([['server', str(X.server)], ['client', str(X.client)], ['sandbox', str(X.sandbox)],
				['time', num(R.execution_time) ? R.execution_time + ' s' : null]]));
		const tbl = h('table', { class: 'tests' }, h('tr', {}, ['#', 'check', 'score', 'what was seen', 'evidence'].map(c => h('th', {}, c))));
		(R.tests || []).forEach((t, i) => {
			const ed = t.extra_data || {}, dir = str(ed.evidence_dir);
			const safe = p => /^[A-Za-z0-9._-][A-Za-z0-9._\/-]*$/.test(p) && !p.includes('..');
			const files = (ed.evidence || []).map(f => {
				const rel = dir ? dir + '/' + str(f) : str(f);
				return safe(rel) ? h('a', { href: rel }, str(f)) : h('code', {}, str(f));
			});
			tbl.append(mark(h('tr', {}, h('td', {}, str(t.number)), h('td', {}, str(t.name)),
				h('td', { class: 'status-' + str(t.status) }, `${str(t.score)} / ${str(t.max_score)} ${str(t.status)}`),
				h('td', {}, h('pre', { style: 'white-space:pre-wrap;margin:0' }, str(t.output))),
				h('td', {}, dir ? dir + '/: ' : '', files.flatMap(f => [f, ' ']))), `.tests[${i}]`));
		});
		main.append(h('h2', {}, 'Checks'), tbl);
	}

	/* Highlight the target of a verdict link, opening what hides it. */
	function highlight(id) {
		const e = id && document.getElementById(id);
		if (!e) return;
		for (const old of document.querySelectorAll('.hl')) old.classList.remove('hl');
		e.classList.add('hl');
		for (let p = e.parentElement; p; p = p.parentElement)
			if (p.tagName === 'DETAILS') p.open = true;
		e.scrollIntoView({ block: 'center', inline: 'center' });
	}

	function main() {
		const main = document.getElementById('page');
		let R;
		try {
			R = JSON.parse(document.getElementById('report').textContent);
		} catch (e) {
			main.append(h('p', { class: 'noscript' }, 'The report in this page is not valid JSON: ' + e.message));
			throw e;
		}
		document.body.append(markerDefs());
		if (R && Array.isArray(R.tests)) gradingPage(R, main);
		else if (R && (R.kind === 'scenario' || R.scenario)) scenarioPage(R, main);
		else capturePage(R || {}, main);
		if (!document.title) document.title = main.querySelector('h1').textContent;
		pktinfo = h('div', { id: 'pktinfo', role: 'status' }, 'Tab to a packet or hover it: its seq/ack and both states show here.');
		main.append(pktinfo);
		main.addEventListener('click', ev => {
			const a = ev.target.closest && ev.target.closest('a[data-target]');
			if (a) highlight(a.getAttribute('data-target'));
		});
		window.addEventListener('hashchange', () => highlight(location.hash.slice(1)));
		if (location.hash) highlight(location.hash.slice(1));
		document.body.setAttribute('data-ready', '1');
	}
	main();
})();
