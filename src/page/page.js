/*
 * tcppage's script, part 3 of 3: the page's sections (header, verdict,
 * moments with netstat and pstree, FIN packets, server, legend), the three
 * kinds of page (scenario, tcpobserve, grading) and main(). The page is a
 * pure function of the report embedded in #report.
 */
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
