/*
 * tcppage's script, part 1 of 3 (page-base.js, page-draw.js, page.js: make
 * joins them in this order inside one function, see page.html): building
 * elements, the paths of the report, words and numbers, the piecewise time
 * axis, a connection's model. Every string of the report goes into the page
 * as text (append / textContent / setAttribute), never as markup. Elements
 * that stand for a part of the report carry data-path (".moments.a.snapshot")
 * so a verdict's evidence path links to them.
 */
'use strict';
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
