/**
 * The fleet page: one self-contained HTML document (inline style and script, no CDN, works
 * offline). It holds no data and no key: it asks for the read-only viewer key once, keeps it in
 * sessionStorage (this tab only, gone when it closes) and sends it only as a header — never in an
 * address, so it reaches no history, no referrer and no shared link; report links carry no key
 * either (the page fetches a report with the header and shows it). Signed in through App Service
 * authentication (`auth` = appService), the session cookie does the same job and no key is asked.
 * Data is rendered with textContent only (never parsed as HTML). The nonce lets the
 * Content-Security-Policy allow exactly this inline script and style.
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

  function renderScaleSet(s) {
    var id = 'ss-' + (s.resourceGroup + '-' + s.name).replace(/[^a-zA-Z0-9-]/g, '-');
    var section = el('section', { className: 'scaleset', 'aria-labelledby': id, 'data-scaleset': s.name });
    section.appendChild(el('h2', { id: id, text: s.name + ' — ' + s.resourceGroup }));
    if (!s.exists) section.appendChild(el('p', { className: s.running.length ? 'muted' : 'verdict-fail', text: s.running.length ? s.error : 'Not readable: ' + (s.error || 'unknown') }));
    var facts = el('dl', { className: 'facts' }, [
      fact('Size', s.vmSize || '—'), fact('Capacity', s.capacity === null ? '—' : String(s.capacity)), fact('Upgrade policy', s.upgradePolicy || '—'),
      fact('Zones', s.zones.length ? s.zones.join(', ') : 'none'),
      fact('Verified', s.totals.passed + ' pass · ' + s.totals.failed + ' fail · ' + s.totals.unverified + ' unverified')
    ]);
    if (s.frontEndUrl) facts.appendChild(el('div', null, [el('dt', { text: 'Front end' }), el('dd', null, [el('a', { href: s.frontEndUrl, target: '_blank', rel: 'noopener noreferrer', text: s.publicFrontEndUrl || s.frontEndUrl })])]));
    section.appendChild(facts);

    section.appendChild(el('h3', { text: 'Instances' }));
    section.appendChild(table('Instances of ' + s.name + ' and their last verdict', ['Computer name', 'Instance', 'Zone', 'IP', 'Size', 'Verdict', 'Reason', 'Last verified'], s.instances.map(function (i) {
      return el('tr', { 'data-instance': i.instanceId, 'data-verdict': i.verdict }, [
        el('td', { text: i.computerName }), el('td', { text: i.instanceId }), el('td', { text: i.zone || '—' }), el('td', { text: i.privateIp || '—' }), el('td', { text: i.vmSize }),
        el('td', null, [el('span', { className: 'badge verdict-' + i.verdict, text: i.verdict })]), el('td', { className: 'reason', text: i.reason }), el('td', { text: when(i.verifiedAt) })
      ]);
    })));

    var grid = el('div', { className: 'grid' });
    var sched = el('div');
    sched.appendChild(el('h3', { text: 'Schedule (next 7 days)' }));
    if (!s.schedule) sched.appendChild(el('p', { className: 'muted', text: 'No schedule.' }));
    else {
      var pending = s.schedule.action === 'change' ? ' — differs from now: the next evaluation changes it' : s.schedule.action === 'error' ? ' — cannot be applied: ' + s.schedule.reason : '';
      sched.appendChild(el('p', { text: 'Wanted now: ' + (target(s.schedule.desired) || 'no opinion') + ' (' + s.schedule.desired.reason + ')' + pending }));
      var items = s.schedule.nextChanges.map(function (c) { return el('li', null, [el('time', { datetime: c.localTime, text: localTime(c.at, s.schedule.timeZone) }), ' → ' + target(c.to) + ' — ' + c.reason]); });
      sched.appendChild(items.length ? el('ol', { className: 'timeline', 'aria-label': 'Next schedule changes in ' + s.schedule.timeZone }, items) : el('p', { className: 'muted', text: 'No change in the next 7 days.' }));
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
    main.textContent = '';
    if (data.scheduleErrors.length) main.appendChild(el('p', { className: 'verdict-fail', role: 'alert', text: 'Schedule document invalid: ' + data.scheduleErrors.join('; ') }));
    if (!data.scaleSets.length) main.appendChild(el('p', { text: 'No scale sets yet: deploy one (POST /api/deployments).' }));
    data.scaleSets.forEach(function (s) { main.appendChild(renderScaleSet(s)); });
    main.setAttribute('aria-busy', 'false');
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
