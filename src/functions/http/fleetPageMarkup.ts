/**
 * The fleet page: one self-contained HTML document (inline style and script, no CDN, works
 * offline). It holds no data and no key: it asks for the read-only viewer key once, keeps it in
 * sessionStorage (this tab only, gone when it closes) and sends it only as a header — never in an
 * address, so it reaches no history, no referrer and no shared link; report links carry no key
 * either (the page fetches a report with the header and shows it). Signed in through App Service
 * authentication (`auth` = appService), the session cookie does the same job and no key is asked.
 * Data is rendered with textContent only (never parsed as HTML). The nonce lets the
 * Content-Security-Policy allow exactly this inline script and style.
 *
 * It must read at a glance at 10 scale sets × 1000 instances: each scale set is a picture — one
 * small cell per instance coloured by verdict, grouped by zone, details on hover, focus or tap —
 * and only what needs attention (failing, unverified, gone) is listed as rows, with a filter; the
 * schedule's next 7 days are a capacity and VM-size chart (inline SVG built with DOM calls), with
 * the same changes as a list for screen readers.
 */
export function fleetPageHtml(nonce: string, auth: 'key' | 'appService' = 'key'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>friday-fleet — fleet</title>
<link rel="icon" href="data:,">
<style nonce="${nonce}">
  :root { --fg: #1b1f24; --muted: #4b5563; --bg: #ffffff; --panel: #f6f8fa; --line: #d0d7de; --pass: #116329; --pass-bg: #dafbe1; --fail: #a40e26; --fail-bg: #ffebe9; --unv: #6c4400; --unv-bg: #fff8c5; --link: #0a58ca; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: baseline; padding: .8rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--panel); }
  header h1 { font-size: 1.25rem; margin: 0; }
  main { padding: 1rem 1.2rem; max-width: 1400px; }
  a { color: var(--link); }
  a:focus-visible, button:focus-visible { outline: 3px solid #1f6feb; outline-offset: 2px; }
  button { font: inherit; padding: .25rem .7rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; cursor: pointer; }
  section.scaleset { border: 1px solid var(--line); border-radius: 8px; margin: 0 0 1.2rem; padding: .8rem 1rem; }
  section.scaleset h2 { font-size: 1.1rem; margin: 0 0 .4rem; }
  h3 { font-size: .95rem; margin: .9rem 0 .3rem; }
  dl.facts { display: flex; flex-wrap: wrap; gap: .2rem 1.4rem; margin: 0; }
  dl.facts div { display: flex; gap: .35rem; }
  dt { color: var(--muted); }
  dd { margin: 0; font-weight: 600; }
  table { border-collapse: collapse; width: 100%; font-size: .9rem; }
  caption { text-align: left; color: var(--muted); padding: .2rem 0; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
  th { background: var(--panel); font-weight: 600; }
  .badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-weight: 700; font-size: .82rem; }
  .verdict-pass { color: var(--pass); background: var(--pass-bg); }
  .verdict-fail { color: var(--fail); background: var(--fail-bg); }
  .verdict-unverified { color: var(--unv); background: var(--unv-bg); }
  .muted { color: var(--muted); }
  .grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 0 1.5rem; }
  ol.timeline { margin: 0; padding-left: 1.2rem; }
  progress { vertical-align: middle; }
  #status[data-error="true"] { color: var(--fail); font-weight: 600; }
  form#key-form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; padding: .8rem 1.2rem; border-bottom: 1px solid var(--line); }
  form#key-form input { font: inherit; padding: .25rem .5rem; min-width: 22rem; }
  section#report { border: 1px solid var(--line); border-radius: 8px; margin: 1rem 1.2rem; padding: .8rem 1rem; }
  section#report pre { max-height: 32rem; overflow: auto; background: var(--panel); padding: .6rem; font-size: .82rem; }
  [hidden] { display: none !important; }
  .legend { display: flex; flex-wrap: wrap; gap: .2rem 1rem; align-items: center; margin: .3rem 0; font-size: .88rem; }
  .legend span::before { content: ""; display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .3rem; vertical-align: -1px; }
  .legend .k-pass::before, .cell.v-pass { background: #2da44e; }
  .legend .k-fail::before, .cell.v-fail { background: #cf222e; }
  .legend .k-unverified::before, .cell.v-unverified { background: #d4a72c; }
  .legend .k-gone::before { background: #fff; border: 2px dashed #6e7781; }
  .zones { display: flex; flex-wrap: wrap; gap: .6rem 1.2rem; align-items: flex-start; }
  .zone { flex: 1 1 260px; min-width: 0; }
  .zone h4 { font-size: .82rem; font-weight: 600; color: var(--muted); margin: .2rem 0; }
  .cells { display: flex; flex-wrap: wrap; gap: 2px; }
  .cell { width: 10px; height: 10px; border-radius: 2px; cursor: pointer; }
  .cell.v-fail { outline: 1px solid #82071e; }
  .cell.off { opacity: .45; }
  .cell.selected { outline: 2px solid #0969da; outline-offset: 1px; }
  .detail { min-height: 1.5rem; margin: .35rem 0; padding: .3rem .5rem; background: var(--panel); border-radius: 6px; font-size: .88rem; }
  .filters { display: flex; flex-wrap: wrap; gap: .4rem 1rem; align-items: center; margin: .3rem 0; font-size: .9rem; }
  .filters input, .filters select { font: inherit; padding: .15rem .4rem; }
  .verdict-gone { color: #57606a; background: #eaeef2; }
  svg.chart { width: 100%; max-width: 760px; height: auto; display: block; }
  svg.chart text { font: 11px system-ui, sans-serif; fill: #4b5563; }
  details.changes summary { cursor: pointer; color: var(--muted); font-size: .88rem; }
</style>
</head>
<body data-auth="${auth}">
<header>
  <h1>friday-fleet</h1>
  <span id="status" role="status" aria-live="polite">Loading…</span>
  <label><input type="checkbox" id="auto" checked> Refresh every 10 s</label>
  <button type="button" id="refresh">Refresh now</button>
</header>
<form id="key-form" hidden>
  <label for="viewer-key">Viewer key</label>
  <input id="viewer-key" name="viewer-key" type="password" autocomplete="off" spellcheck="false" required>
  <button type="submit">Open</button>
  <span class="muted">Kept in this browser tab only and sent as a header — never in an address.</span>
</form>
<section id="report" hidden aria-labelledby="report-title">
  <h2 id="report-title">Report</h2>
  <button type="button" id="report-close">Close report</button>
  <pre id="report-body"></pre>
</section>
<main id="fleet" aria-busy="true"></main>
<script nonce="${nonce}">
(function () {
  'use strict';
  var STORE = 'friday-fleet-viewer-key';
  var signIn = document.body.getAttribute('data-auth') === 'appService';
  var main = document.getElementById('fleet');
  var statusEl = document.getElementById('status');
  var form = document.getElementById('key-form');
  var timer = null;
  // An old bookmark may still carry a key in its address: take it out of the address bar and history.
  if (/[?&]code=/.test(location.search)) history.replaceState(null, '', location.pathname);

  function viewerKey() { try { return sessionStorage.getItem(STORE) || ''; } catch (e) { return ''; } }
  function authHeaders() { var k = viewerKey(); return k ? { 'x-friday-viewer-key': k } : {}; }
  function askForKey(message) {
    try { sessionStorage.removeItem(STORE); } catch (e) { /* storage off: nothing kept */ }
    form.hidden = false;
    statusEl.dataset.error = message ? 'true' : 'false';
    statusEl.textContent = message || 'Enter the viewer key to see the fleet.';
    document.getElementById('viewer-key').focus();
  }
  function failure(res) {
    var e = new Error(res.status === 401 ? 'the viewer key was refused' : res.status === 403 ? 'signed in, but without the viewer role' : 'HTTP ' + res.status);
    e.status = res.status;
    return e;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'className') node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function when(iso) { return iso ? new Date(iso).toLocaleString([], { dateStyle: 'medium', timeStyle: 'medium' }) : '—'; }
  function duration(ms) { var s = Math.round(ms / 1000); return s < 60 ? s + ' s' : Math.floor(s / 60) + ' min ' + (s % 60) + ' s'; }
  function localTime(iso, tz) {
    try { return new Date(iso).toLocaleString([], { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' }); } catch (e) { return iso; }
  }
  function target(t) { return [t.capacity !== undefined ? t.capacity + ' instance(s)' : '', t.vmSize || ''].filter(Boolean).join(' × '); }
  function table(caption, headers, rows) {
    var head = el('tr', null, headers.map(function (h) { return el('th', { scope: 'col', text: h }); }));
    return el('table', null, [el('caption', { text: caption }), el('thead', null, [head]), el('tbody', null, rows)]);
  }
  function fact(label, value) { return el('div', null, [el('dt', { text: label }), el('dd', { text: value })]); }

  var SVG = 'http://www.w3.org/2000/svg';
  var ATTENTION_ROWS = 200;
  /** Each scale set's attention filter, kept across refreshes. */
  var filters = {};
  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function describeInstance(i) {
    return i.computerName + ' (instance ' + i.instanceId + ') — ' + i.verdict + (i.reason ? ': ' + i.reason : '') +
      ' · zone ' + (i.zone || '—') + ' · ' + (i.privateIp || 'no IP') + ' · ' + i.vmSize + ' · ' + (i.powerState || 'power state unknown') + ' · last verified ' + when(i.verifiedAt);
  }

  /** One small cell per instance, coloured by verdict, grouped by zone; details on hover, focus or tap. */
  function renderPicture(s) {
    var wrap = el('div', { className: 'picture' });
    var t = s.totals;
    wrap.appendChild(el('div', { className: 'legend', 'aria-hidden': 'true' }, [
      el('span', { className: 'k-pass', text: t.passed + ' pass' }), el('span', { className: 'k-fail', text: t.failed + ' fail' }),
      el('span', { className: 'k-unverified', text: t.unverified + ' unverified' }), el('span', { className: 'k-gone', text: (t.gone || 0) + ' gone' })
    ]));
    var zones = {};
    s.instances.forEach(function (i) { var z = i.zone || ''; (zones[z] = zones[z] || []).push(i); });
    var byId = {};
    var holder = el('div', { className: 'zones', role: 'img', 'aria-label': s.name + ': ' + t.instances + ' instances, ' + t.passed + ' pass, ' + t.failed + ' fail, ' + t.unverified + ' unverified' + (t.gone ? ', ' + t.gone + ' gone' : '') + '. Instances that need attention are listed below.' });
    Object.keys(zones).sort().forEach(function (z) {
      var list = zones[z];
      var cells = el('div', { className: 'cells' });
      var fragment = document.createDocumentFragment();
      list.forEach(function (i) {
        byId[i.instanceId] = i;
        var cell = document.createElement('span');
        cell.className = 'cell v-' + i.verdict + (i.powerState && i.powerState !== 'PowerState/running' ? ' off' : '');
        cell.setAttribute('data-cell', '');
        cell.setAttribute('data-instance', i.instanceId);
        cell.setAttribute('data-verdict', i.verdict);
        cell.title = describeInstance(i);
        fragment.appendChild(cell);
      });
      cells.appendChild(fragment);
      var pass = list.filter(function (i) { return i.verdict === 'pass'; }).length;
      holder.appendChild(el('div', { className: 'zone', 'data-zone': z || 'none' }, [el('h4', { text: (z ? 'Zone ' + z : 'No zone') + ' · ' + list.length + ' instances · ' + pass + ' pass' }), cells]));
    });
    if (!s.instances.length) holder.appendChild(el('p', { className: 'muted', text: 'No instances.' }));
    var detail = el('div', { className: 'detail', role: 'status', 'aria-live': 'polite', text: s.instances.length ? 'Point at or tap an instance for its details.' : '' });
    var selected = null;
    function show(target, pin) {
      var cell = target && target.closest ? target.closest('[data-cell]') : null;
      if (!cell) return;
      var i = byId[cell.getAttribute('data-instance')];
      if (!i) return;
      if (pin) { if (selected) selected.classList.remove('selected'); selected = cell; cell.classList.add('selected'); }
      detail.textContent = describeInstance(i);
    }
    holder.addEventListener('mouseover', function (e) { show(e.target, false); });
    holder.addEventListener('click', function (e) { show(e.target, true); });
    wrap.appendChild(holder);
    wrap.appendChild(detail);
    return wrap;
  }

  /** Rows only for what needs attention: failing, unverified and gone instances, with a filter. */
  function renderAttention(s) {
    var rows = s.instances.filter(function (i) { return i.verdict !== 'pass'; }).map(function (i) {
      return { id: i.instanceId, state: i.verdict, cells: [i.computerName, i.instanceId, i.zone || '—', i.privateIp || '—', i.vmSize, i.verdict, i.reason, when(i.verifiedAt)] };
    }).concat((s.gone || []).map(function (g) {
      return { id: g.instanceId, state: 'gone', cells: [g.computerName, g.instanceId, g.zone || '—', g.privateIp || '—', '—', 'gone', 'no longer listed by ARM; last verdict ' + g.lastVerdict + (g.reason ? ' (' + g.reason + ')' : ''), when(g.verifiedAt)] };
    }));
    var box = el('div', { className: 'attention' });
    var id = 'att-' + (s.resourceGroup + '-' + s.name).replace(/[^a-zA-Z0-9-]/g, '-');
    var kind = el('select', { id: id + '-kind', 'aria-label': 'Show' }, [['', 'All that need attention'], ['fail', 'Failing'], ['unverified', 'Unverified'], ['gone', 'Gone']].map(function (o) { return el('option', { value: o[0], text: o[1] }); }));
    var text = el('input', { id: id + '-text', type: 'search', placeholder: 'name, IP, zone or reason', 'aria-label': 'Filter by name, IP, zone or reason' });
    var note = el('span', { className: 'muted' });
    box.appendChild(el('div', { className: 'filters' }, [el('label', { for: id + '-kind', text: 'Show' }), kind, text, note]));
    var tbody = el('tbody');
    var caption = el('caption');
    box.appendChild(el('table', { 'data-table': 'attention' }, [caption, el('thead', null, [el('tr', null, ['Computer name', 'Instance', 'Zone', 'IP', 'Size', 'State', 'Reason', 'Last verified'].map(function (h) { return el('th', { scope: 'col', text: h }); }))]), tbody]));
    function fill() {
      var want = kind.value;
      var needle = text.value.trim().toLowerCase();
      var shown = rows.filter(function (r) { return (!want || r.state === want) && (!needle || r.cells.join(' ').toLowerCase().indexOf(needle) >= 0); });
      tbody.textContent = '';
      var fragment = document.createDocumentFragment();
      shown.slice(0, ATTENTION_ROWS).forEach(function (r) {
        fragment.appendChild(el('tr', { 'data-instance': r.id, 'data-verdict': r.state }, r.cells.map(function (c, n) {
          return n === 5 ? el('td', null, [el('span', { className: 'badge verdict-' + r.state, text: c })]) : el('td', { className: n === 6 ? 'reason' : '', text: c });
        })));
      });
      tbody.appendChild(fragment);
      caption.textContent = rows.length ? 'Instances of ' + s.name + ' that need attention: ' + shown.length + ' of ' + rows.length + ' shown' : 'Nothing in ' + s.name + ' needs attention: every instance passed its last verification.';
      note.textContent = shown.length > ATTENTION_ROWS ? 'first ' + ATTENTION_ROWS + ' of ' + shown.length + ' — narrow the filter' : '';
    }
    var kept = filters[id] || { kind: '', text: '' };
    kind.value = kept.kind;
    text.value = kept.text;
    function keep() { filters[id] = { kind: kind.value, text: text.value }; fill(); }
    kind.addEventListener('change', keep);
    text.addEventListener('input', keep);
    fill();
    return box;
  }

  /** The schedule's next 7 days: capacity as a step line and the VM size as a band, in the scale set's time zone. */
  function renderScheduleChart(s) {
    var sched = s.schedule;
    var start = Date.parse(sched.nextChanges.length ? sched.nextChanges[0].at : new Date().toISOString());
    start = Math.min(start, Date.now());
    var end = start + 7 * 86400000;
    var steps = [{ at: start, capacity: sched.desired.capacity !== undefined ? sched.desired.capacity : s.capacity, vmSize: sched.desired.vmSize || s.vmSize }];
    sched.nextChanges.forEach(function (c) {
      var prev = steps[steps.length - 1];
      var at = Date.parse(c.at);
      if (at < start || at > end) return;
      steps.push({ at: at, capacity: c.to.capacity !== undefined ? c.to.capacity : prev.capacity, vmSize: c.to.vmSize || prev.vmSize });
    });
    var W = 760, H = 212, L = 36, R = 8, T = 10, plotH = 110, bandY = T + plotH + 22, bandH = 16;
    var max = Math.max(1, Math.max.apply(null, steps.map(function (p) { return p.capacity || 0; })));
    var x = function (t) { return L + ((t - start) / (end - start)) * (W - L - R); };
    var y = function (c) { return T + plotH - ((c || 0) / max) * plotH; };
    var chart = svg('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'Capacity and VM size over the next 7 days in ' + sched.timeZone + ': ' + steps.map(function (p) { return localTime(new Date(p.at).toISOString(), sched.timeZone) + ' ' + target(p); }).join('; ') });
    [0, Math.round(max / 2), max].forEach(function (v) {
      chart.appendChild(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#d0d7de', 'stroke-width': 1 }));
      chart.appendChild(svg('text', { x: L - 4, y: y(v) + 4, 'text-anchor': 'end' }, String(v)));
    });
    for (var d = 0; d <= 7; d++) {
      var t = start + d * 86400000;
      chart.appendChild(svg('line', { x1: x(t), x2: x(t), y1: T, y2: bandY + bandH, stroke: '#eaeef2', 'stroke-width': 1 }));
      if (d < 7) chart.appendChild(svg('text', { x: x(t) + 3, y: bandY + bandH + 14 }, new Date(t).toLocaleDateString([], { timeZone: sched.timeZone, weekday: 'short', day: 'numeric' })));
    }
    var path = '';
    var sizes = {};
    var palette = ['#0969da', '#8250df', '#bf3989', '#1a7f37', '#9a6700', '#cf222e'];
    steps.forEach(function (p, n) {
      var x1 = x(p.at), x2 = x(n + 1 < steps.length ? steps[n + 1].at : end);
      path += (n === 0 ? 'M' + x1 + ' ' + y(p.capacity) : ' L' + x1 + ' ' + y(p.capacity)) + ' L' + x2 + ' ' + y(p.capacity);
      if (!(p.vmSize in sizes)) sizes[p.vmSize] = palette[Object.keys(sizes).length % palette.length];
      var band = svg('rect', { x: x1, y: bandY, width: Math.max(1, x2 - x1), height: bandH, fill: sizes[p.vmSize], opacity: 0.75 });
      band.appendChild(svg('title', {}, p.vmSize + ' from ' + localTime(new Date(p.at).toISOString(), sched.timeZone)));
      chart.appendChild(band);
      if (x2 - x1 > 70) chart.appendChild(svg('text', { x: x1 + 4, y: bandY + 12, fill: '#fff' }, p.vmSize || ''));
      var dot = svg('circle', { cx: x1, cy: y(p.capacity), r: 3, fill: '#0969da' });
      dot.appendChild(svg('title', {}, localTime(new Date(p.at).toISOString(), sched.timeZone) + ' → ' + target(p)));
      chart.appendChild(dot);
    });
    chart.appendChild(svg('path', { d: path, fill: 'none', stroke: '#0969da', 'stroke-width': 2 }));
    chart.appendChild(svg('text', { x: L, y: T + 2 }, 'instances'));
    // Which colour is which VM size.
    var lx = L;
    Object.keys(sizes).forEach(function (size) {
      chart.appendChild(svg('rect', { x: lx, y: H - 13, width: 10, height: 10, fill: sizes[size], opacity: 0.75 }));
      chart.appendChild(svg('text', { x: lx + 14, y: H - 4 }, size === 'null' ? 'size unknown' : size));
      lx += 24 + size.length * 6.5;
    });
    var box = el('div', { className: 'schedule-chart' }, [chart]);
    var items = sched.nextChanges.map(function (c) { return el('li', null, [el('time', { datetime: c.localTime, text: localTime(c.at, sched.timeZone) }), ' → ' + target(c.to) + ' — ' + c.reason]); });
    box.appendChild(items.length
      ? el('details', { className: 'changes' }, [el('summary', { text: items.length + ' change(s) in the next 7 days (' + sched.timeZone + ')' }), el('ol', { className: 'timeline', 'aria-label': 'Next schedule changes in ' + sched.timeZone }, items)])
      : el('p', { className: 'muted', text: 'No change in the next 7 days.' }));
    return box;
  }

  function renderScaleSet(s) {
    var id = 'ss-' + (s.resourceGroup + '-' + s.name).replace(/[^a-zA-Z0-9-]/g, '-');
    var section = el('section', { className: 'scaleset', 'aria-labelledby': id, 'data-scaleset': s.name });
    section.appendChild(el('h2', { id: id, text: s.name + ' — ' + s.resourceGroup }));
    if (!s.exists) section.appendChild(el('p', { className: s.running.length ? 'muted' : 'verdict-fail', text: s.running.length ? s.error : 'Not readable: ' + (s.error || 'unknown') }));
    var facts = el('dl', { className: 'facts' }, [
      fact('Size', s.vmSize || '—'), fact('Capacity', s.capacity === null ? '—' : String(s.capacity)), fact('Upgrade policy', s.upgradePolicy || '—'),
      fact('Zones', s.zones.length ? s.zones.join(', ') : 'none'),
      fact('Verified', s.totals.passed + ' pass · ' + s.totals.failed + ' fail · ' + s.totals.unverified + ' unverified' + (s.totals.gone ? ' · ' + s.totals.gone + ' gone' : ''))
    ]);
    if (s.frontEndUrl) facts.appendChild(el('div', null, [el('dt', { text: 'Front end' }), el('dd', null, [el('a', { href: s.frontEndUrl, target: '_blank', rel: 'noopener noreferrer', text: s.publicFrontEndUrl || s.frontEndUrl })])]));
    section.appendChild(facts);

    section.appendChild(el('h3', { text: 'Instances' }));
    section.appendChild(renderPicture(s));
    section.appendChild(el('h3', { text: 'Needs attention' }));
    section.appendChild(renderAttention(s));

    var grid = el('div', { className: 'grid' });
    var sched = el('div');
    sched.appendChild(el('h3', { text: 'Schedule (next 7 days)' }));
    if (!s.schedule) sched.appendChild(el('p', { className: 'muted', text: 'No schedule.' }));
    else {
      var pending = s.schedule.action === 'change' ? ' — differs from now: the next evaluation changes it' : s.schedule.action === 'error' ? ' — cannot be applied: ' + s.schedule.reason : '';
      sched.appendChild(el('p', { text: 'Wanted now: ' + (target(s.schedule.desired) || 'no opinion') + ' (' + s.schedule.desired.reason + ')' + pending }));
      sched.appendChild(renderScheduleChart(s));
    }
    grid.appendChild(sched);
    var run = el('div');
    run.appendChild(el('h3', { text: 'Running' }));
    run.appendChild(s.running.length ? el('ul', null, s.running.map(function (r) {
      var bits = [r.kind + ': ' + r.step + (r.message ? ' — ' + r.message : '') + ' '];
      if (r.total) bits.push(el('progress', { max: String(r.total), value: String(r.done), 'aria-label': r.kind + ' progress' }));
      return el('li', null, bits);
    })) : el('p', { className: 'muted', text: 'Nothing running.' }));
    grid.appendChild(run);
    section.appendChild(grid);

    section.appendChild(el('h3', { text: 'Last runs' }));
    section.appendChild(s.runs.length ? table('Recent runs on ' + s.name, ['Kind', 'Outcome', 'Started', 'Duration', 'Summary', 'Report'], s.runs.map(function (r) {
      return el('tr', null, [el('td', { text: r.kind }), el('td', { text: r.runtimeStatus === 'Failed' ? 'error' : r.outcome }), el('td', { text: when(r.startedAt) }), el('td', { text: duration(r.durationMs) }), el('td', { text: r.summary }),
        el('td', null, [el('a', { href: r.reportUrl, 'data-report': r.reportUrl, text: 'report', 'aria-label': r.kind + ' report of ' + when(r.startedAt) })])]);
    })) : el('p', { className: 'muted', text: 'No runs recorded yet.' }));
    return section;
  }

  function render(data) {
    // A refresh rebuilds the page: the control that had focus (a filter) gets it back.
    var focused = document.activeElement && main.contains(document.activeElement) ? document.activeElement.id : '';
    main.textContent = '';
    if (data.scheduleErrors.length) main.appendChild(el('p', { className: 'verdict-fail', role: 'alert', text: 'Schedule document invalid: ' + data.scheduleErrors.join('; ') }));
    if (!data.scaleSets.length) main.appendChild(el('p', { text: 'No scale sets yet: deploy one (POST /api/deployments).' }));
    data.scaleSets.forEach(function (s) { main.appendChild(renderScaleSet(s)); });
    main.setAttribute('aria-busy', 'false');
    if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  }

  function load() {
    if (!signIn && !viewerKey()) { askForKey(); return Promise.resolve(); }
    return fetch('fleet/data', { headers: authHeaders(), cache: 'no-store', credentials: 'same-origin' }).then(function (res) {
      if (!res.ok) throw failure(res);
      return res.json();
    }).then(function (data) {
      form.hidden = true;
      render(data);
      statusEl.dataset.error = 'false';
      statusEl.textContent = 'Updated ' + when(data.generatedAt);
    }).catch(function (e) {
      if (e.status === 401 && signIn && !viewerKey()) { location.assign('/.auth/login/aad?post_login_redirect_uri=' + encodeURIComponent(location.pathname)); return; }
      if (e.status === 401) { askForKey('Could not refresh: ' + e.message + '. Enter the viewer key again.'); return; }
      statusEl.dataset.error = 'true';
      statusEl.textContent = 'Could not refresh: ' + e.message;
    });
  }

  // A report opens in the page: fetched with the same header, shown as text (no key in its link).
  function showReport(url) {
    var out = document.getElementById('report-body');
    var box = document.getElementById('report');
    box.hidden = false;
    out.textContent = 'Loading ' + url + '…';
    return fetch(url, { headers: authHeaders(), cache: 'no-store', credentials: 'same-origin' }).then(function (res) {
      if (!res.ok) throw failure(res);
      return res.json();
    }).then(function (report) {
      out.textContent = JSON.stringify(report, null, 2);
      box.setAttribute('data-kind', report.kind || '');
      box.scrollIntoView();
    }).catch(function (e) { out.textContent = 'Could not load the report: ' + e.message; });
  }
  main.addEventListener('click', function (event) {
    var link = event.target.closest ? event.target.closest('a[data-report]') : null;
    if (!link) return;
    event.preventDefault();
    showReport(link.getAttribute('data-report'));
  });
  document.getElementById('report-close').addEventListener('click', function () { document.getElementById('report').hidden = true; });
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var input = document.getElementById('viewer-key');
    try { sessionStorage.setItem(STORE, input.value.trim()); } catch (e) { statusEl.textContent = 'This browser keeps no session storage: the page cannot hold the key.'; return; }
    input.value = '';
    form.hidden = true;
    statusEl.dataset.error = 'false';
    statusEl.textContent = 'Loading…';
    load().then(schedule);
  });
  function schedule() {
    clearTimeout(timer);
    if (document.getElementById('auto').checked) timer = setTimeout(function () { if (!document.hidden) load().then(schedule); else schedule(); }, 10000);
  }
  document.getElementById('refresh').addEventListener('click', function () { load().then(schedule); });
  document.getElementById('auto').addEventListener('change', schedule);
  load().then(schedule);
})();
</script>
</body>
</html>`;
}
