/*
 * tcppage's script, part 2 of 3: drawing time — the axis, the ladders (state
 * bands, packet arrows, moments, the clients' lanes), the strip that shows the
 * whole run at a glance, and the overview rows of many connections.
 */
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
		const svg = s('svg', { class: 'ladder-svg', role: 'group',
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
			g.addEventListener('keydown', ev => {
				const to = ev.key === 'ArrowRight' ? g.nextElementSibling : ev.key === 'ArrowLeft' ? g.previousElementSibling : null;
				if (to) { to.focus(); ev.preventDefault(); }
			});
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
		const nav = h('div', { class: 'pager' });
		/* a filter by Zeek's conn_state: the refused (REJ), reset (RSTO,
		 * RSTR), unanswered (S0) among thousands of normal SF ones */
		const counts = new Map();
		for (const c of conns) counts.set(str(c.conn_state), (counts.get(str(c.conn_state)) || 0) + 1);
		const filter = h('select', { 'aria-label': 'show the connections whose conn_state is' },
			h('option', { value: '' }, `all (${conns.length})`),
			[...counts].sort().map(([k, n]) => h('option', { value: k }, `${k || '-'} (${n})`)));
		let list = conns, pages = 1;
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
			pages = Math.max(1, Math.ceil(list.length / PAGE_ROWS));
			page = Math.max(0, Math.min(pages - 1, p));
			const part = list.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS);
			const times = [];
			part.forEach(c => { for (const side of ['client', 'server']) for (const b of c.states[side] || []) times.push(b.t);
				for (const w of c.time_wait || []) times.push(w.until, w.ended); });
			const axis = makeAxis(times, { left: 0, right: 2, fit: 700, unit: 1e-4 });
			const head = h('div', { class: 'ov-head', 'aria-hidden': 'true' }, h('span'), h('span'), drawAxis(axis, []));
			rows.replaceChildren(head, ...part.map(c => row(c, c._i, axis)));
			info.textContent = `connections ${page * PAGE_ROWS + Math.min(1, part.length)}–${page * PAGE_ROWS + part.length} ` +
				`of ${list.length}, page ${page + 1} of ${pages}`;
			prev.disabled = page === 0;
			next.disabled = page === pages - 1;
		}
		prev.addEventListener('click', () => show(page - 1));
		next.addEventListener('click', () => show(page + 1));
		filter.addEventListener('change', () => {
			list = filter.value ? conns.filter(c => str(c.conn_state) === filter.value) : conns;
			show(0);
		});
		jump.addEventListener('change', () => {
			let i = list.findIndex(c => c.id === Number(jump.value));
			if (i < 0 && (i = conns.findIndex(c => c.id === Number(jump.value))) >= 0) {
				filter.value = '';
				list = conns;
			}
			if (i >= 0) { show(Math.floor(i / PAGE_ROWS)); rows.children[1 + i % PAGE_ROWS].open = true; }
		});
		nav.append(prev, next, info, h('label', {}, ' conn_state ', filter), h('label', {}, ' go to connection #', jump));
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
