/**
 * The fleet page in a real browser (Debian's Chromium, headless, driven by playwright-core) on the
 * local cloud after a deployment: instances with their verdicts, a broken one shown failed with
 * its reason, the schedule's next changes, the runs with report links, and a refresh that updates
 * the page without reloading it. The page's address carries no key: it asks for the read-only
 * viewer key once, keeps it in sessionStorage and sends it only as a header; report links carry
 * no key. Saves a screenshot under test/artifacts/ (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { runToEnd } from '../support/durableRuns';
import { collectPageErrors, openFleetPage } from '../support/fleetPageBrowser';

const example = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'examples', 'deployment.json'), 'utf8')) as Record<string, unknown> & { scaleSet: Record<string, unknown> };
const RG = 'rg-fleet-page';
const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const CHROMIUM = process.env.FRIDAY_CHROMIUM ?? '/usr/bin/chromium';
let cloud: LocalCloudHandle;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: run \`npm run browser:install\` (Debian package chromium) or set FRIDAY_CHROMIUM.`);
  const schedules = {
    scaleSets: [
      {
        resourceGroup: RG,
        name: 'vmss-friday',
        timeZone: 'Asia/Seoul',
        default: { capacity: 1, vmSize: 'Standard_B2s' },
        periods: [{ name: 'business-hours', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '19:00', target: { capacity: 3, vmSize: 'Standard_D2ds_v5' } }],
      },
    ],
  };
  cloud = await startLocalCloud({ dataDir: mkdtempSync(path.join(tmpdir(), 'friday-fleet-')), settings: { FRIDAY_SCHEDULES: JSON.stringify(schedules) }, runner: { log: () => undefined, timers: 'manual' } });
  const deployed = await runToEnd(cloud, 'deployments', { ...example, resourceGroup: RG, scaleSet: { ...example.scaleSet, overprovision: false } });
  expect((deployed.output as { outcome: string }).outcome).toBe('succeeded');
  // Break one instance's page and verify on demand: the page must show it failed, with the reason.
  cloud.emulator.faults.add({ instance: { vmss: 'vmss-friday', instanceId: '1' }, page: 'page500' });
  const verified = await runToEnd(cloud, 'scalesets/vmss-friday/verify', { resourceGroup: RG });
  expect((verified.output as { totals: { failed: number } }).totals.failed).toBe(1);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await cloud?.close();
});

describe('fleet page', () => {
  it('serves a page without data or key, and refuses its data to anyone but a viewer', async () => {
    const shell = await fetch(`${cloud.baseUrl}/api/fleet`);
    expect(shell.status).toBe(200);
    const html = await shell.text();
    for (const key of [cloud.viewerKey, cloud.functionKey, cloud.masterKey]) expect(html).not.toContain(key);
    const data = `${cloud.baseUrl}/api/fleet/data`;
    expect((await fetch(data)).status).toBe(401);
    expect((await fetch(data, { headers: { 'x-friday-viewer-key': 'wrong-key-é' } })).status).toBe(401);
    // A key in the address is not how a viewer key is sent, and a function key is not a viewer credential.
    expect((await fetch(`${data}?code=${encodeURIComponent(cloud.viewerKey)}`)).status).toBe(401);
    expect((await fetch(data, { headers: { 'x-functions-key': cloud.functionKey } })).status).toBe(401);
    // Outside App Service authentication the principal header is just a header anyone can send.
    const forged = Buffer.from(JSON.stringify({ auth_typ: 'aad', claims: [{ typ: 'roles', val: 'Fleet.Viewer' }] })).toString('base64');
    expect((await fetch(data, { headers: { 'x-ms-client-principal': forged } })).status).toBe(401);
    expect((await fetch(data, { headers: { 'x-friday-viewer-key': cloud.viewerKey } })).status).toBe(200);
  });

  it('shows each instance with its verdict, the broken one failed with its reason, the schedule and the runs', async () => {
    const errors = collectPageErrors(page);
    // The key is asked for once, kept in this tab's sessionStorage, never put in the address.
    await openFleetPage(page, cloud);
    const section = page.locator('section[data-scaleset="vmss-friday"]');
    await section.waitFor({ timeout: 15_000 });
    // Every instance is a cell of the picture; only the broken one is a row (it needs attention).
    const cells = section.locator('[data-cell]');
    await expect.poll(() => cells.count()).toBe(3);
    expect(await section.locator('tr[data-instance]').count()).toBe(1);
    expect(await section.locator('[data-cell][data-instance="1"]').getAttribute('data-verdict')).toBe('fail');
    const broken = section.locator('tr[data-instance="1"]');
    expect(await broken.getAttribute('data-verdict')).toBe('fail');
    expect(await broken.locator('.badge').textContent()).toBe('fail');
    expect(await broken.locator('td.reason').textContent()).toBe('page: HTTP 500');
    for (const id of ['0', '2']) {
      const cell = section.locator(`[data-cell][data-instance="${id}"]`);
      expect(await cell.getAttribute('data-verdict')).toBe('pass');
      expect(await cell.getAttribute('title')).toMatch(/^FRIDAY00000[02] \(instance \d\) — pass/i);
    }
    const text = (await section.textContent()) ?? '';
    expect(text).toContain('Standard_D2ds_v5');
    expect(text).toContain('Manual');
    expect(text).toContain('Asia/Seoul');
    // Seven days of a Mon–Fri 08:00–19:00 period hold every weekday's start and end exactly once: 10 changes.
    expect(await section.locator('ol.timeline li').count()).toBe(10);
    expect(await section.locator('a[href^="http://127.0.0.1"]').count()).toBe(1); // the front end
    // Runs: the verification and the deployment, newest first, each with a working report link.
    const runKinds = await section.locator('table').nth(1).locator('tbody tr td:first-child').allTextContents();
    expect(runKinds.slice(0, 2)).toEqual(['verify', 'deploy']);
    const reportHref = (await section.locator('a', { hasText: 'report' }).first().getAttribute('href')) ?? '';
    // No key anywhere in an address: not the page's, not a link's.
    expect(page.url()).toBe(`${cloud.baseUrl}/api/fleet`);
    const hrefs = await page.evaluate<string[]>("[...document.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'))");
    expect(hrefs.length).toBeGreaterThan(2);
    for (const href of hrefs) for (const key of [cloud.viewerKey, cloud.functionKey, cloud.masterKey, 'code=']) expect(href).not.toContain(key);
    expect(await page.evaluate(() => sessionStorage.getItem('friday-fleet-viewer-key'))).toBe(cloud.viewerKey);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    // The report opens in the page, fetched with the header.
    await section.locator('a', { hasText: 'report' }).first().click();
    await expect.poll(() => page.locator('#report').getAttribute('data-kind'), { timeout: 10_000 }).toBe('verify');
    const report = JSON.parse((await page.locator('#report-body').textContent()) ?? '{}') as { kind: string; instances: Array<{ instanceId: string; verdict: string }> };
    expect(report.kind, reportHref).toBe('verify');
    expect(report.instances.find((i) => i.instanceId === '1')?.verdict).toBe('fail');
    expect(page.url()).toBe(`${cloud.baseUrl}/api/fleet`);
    // Accessible names: every table has a caption, the status line is a live region.
    expect(await page.locator('table:not(:has(caption))').count()).toBe(0);
    expect(await page.locator('#status[role="status"][aria-live="polite"]').count()).toBe(1);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-page.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);

  it('is served with a fresh CSP nonce on every script and style, no-referrer, and renders hostile strings as text without any request to another origin', async () => {
    // Headers: a strict policy whose nonce changes per response and is the only way to run code.
    const [first, second] = await Promise.all([fetch(`${cloud.baseUrl}/api/fleet`), fetch(`${cloud.baseUrl}/api/fleet`)]);
    expect(first.headers.get('referrer-policy')).toBe('no-referrer');
    const csp = first.headers.get('content-security-policy') ?? '';
    const nonce = /script-src 'nonce-([A-Za-z0-9+/=]{16,})'/.exec(csp)?.[1] ?? '';
    expect(nonce).not.toBe('');
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    expect(/script-src 'nonce-([^']+)'/.exec(second.headers.get('content-security-policy') ?? '')?.[1]).not.toBe(nonce);
    const html = await first.text();
    const tags = [...html.matchAll(/<(script|style)\b([^>]*)>/g)];
    expect(tags.length).toBeGreaterThanOrEqual(2);
    for (const [tag, , attrs] of tags) expect(attrs, tag).toContain(`nonce="${nonce}"`);
    expect(html).not.toMatch(/\son[a-z]+\s*=/i); // no inline event handlers (a nonce does not cover them)

    // A deployment that fails with markup in ARM's error message (a string from outside reaching the
    // page): it must show as text, and nothing in it may run or load.
    const hostile = '<img src="http://203.0.113.9/pwned.png" onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>';
    cloud.emulator.faults.add({ failLro: 'virtualMachineScaleSets/{vmScaleSetName}', count: 1, code: 'AllocationFailed', message: hostile });
    const failed = await runToEnd(cloud, 'deployments', { ...example, resourceGroup: 'rg-fleet-hostile', scaleSet: { ...example.scaleSet, name: 'vmss-hostile', capacity: 1, overprovision: false } });
    expect(failed.runtimeStatus).toBe('Failed');
    await new Promise((r) => setTimeout(r, 3100)); // past the data endpoint's short cache
    const fresh = await browser.newPage();
    const requests: string[] = [];
    fresh.on('request', (r) => requests.push(r.url()));
    const errors: string[] = [];
    fresh.on('pageerror', (e) => errors.push(e.message));
    try {
      await openFleetPage(fresh, cloud);
      const section = fresh.locator('section[data-scaleset="vmss-hostile"]');
      await section.waitFor({ timeout: 15_000 });
      const summary = (await section.locator('table tbody tr td:nth-child(5)').first().textContent()) ?? '';
      expect(summary).toContain(`AllocationFailed — ${hostile}`);
      expect(await section.locator('img, script, b').count()).toBe(0);
      expect(await fresh.evaluate('window.__pwned')).toBeUndefined();
      // Every request the page made went to its own origin (the front-end link is a link, not a request).
      const origin = new URL(cloud.baseUrl).origin;
      expect(requests.length).toBeGreaterThanOrEqual(2);
      expect(requests.filter((u) => new URL(u).origin !== origin)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await fresh.close();
    }
  }, 60_000);

  it('refreshes without a full reload: a repaired instance turns to pass', async () => {
    await page.evaluate('window.marker = "same document"');
    cloud.emulator.faults.add({ instance: { vmss: 'vmss-friday', instanceId: '1' }, page: null });
    await runToEnd(cloud, 'scalesets/vmss-friday/verify', { resourceGroup: RG });
    await new Promise((r) => setTimeout(r, 3100)); // past the data endpoint's short cache
    await page.click('#refresh');
    const cell = page.locator('section[data-scaleset="vmss-friday"] [data-cell][data-instance="1"]');
    await expect.poll(() => cell.getAttribute('data-verdict'), { timeout: 10_000 }).toBe('pass');
    expect(await page.locator('section[data-scaleset="vmss-friday"] tr[data-instance]').count()).toBe(0); // nothing needs attention
    expect(await page.evaluate('window.marker')).toBe('same document');
    expect(await page.locator('#status').textContent()).toMatch(/^Updated /);
  }, 30_000);

  it('keeps the key for the tab: a reload asks nothing; a refused key is dropped and asked for again', async () => {
    await page.reload();
    await page.locator('section[data-scaleset="vmss-friday"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('#key-form').isHidden()).toBe(true);
    await page.evaluate(() => sessionStorage.setItem('friday-fleet-viewer-key', 'not-the-key-at-all'));
    await page.click('#refresh');
    await page.locator('#key-form').waitFor({ state: 'visible', timeout: 10_000 });
    expect(await page.locator('#status').textContent()).toMatch(/refused/);
    expect(await page.evaluate(() => sessionStorage.getItem('friday-fleet-viewer-key'))).toBeNull();
    await page.fill('#viewer-key', cloud.viewerKey);
    await page.click('#key-form button[type="submit"]');
    await expect.poll(() => page.locator('#status').textContent(), { timeout: 10_000 }).toMatch(/^Updated /);
  }, 30_000);

  it('shows a first deployment while it runs, with its progress, before the scale set exists', async () => {
    // Slow instances so the deployment is still running when the page refreshes.
    const timing = cloud.emulator.context.timing;
    const saved = { ...timing };
    Object.assign(timing, { instanceProvisionMs: 2500, networkOperationMs: 300 });
    const res = await fetch(`${cloud.baseUrl}/api/deployments`, {
      method: 'POST',
      headers: { 'x-functions-key': cloud.functionKey },
      body: JSON.stringify({ ...example, resourceGroup: 'rg-fleet-running', scaleSet: { ...example.scaleSet, capacity: 2, overprovision: false } }),
    });
    expect(res.status).toBe(202);
    const section = page.locator('section[data-scaleset="vmss-friday"]', { hasText: 'rg-fleet-running' });
    await expect
      .poll(
        async () => {
          await page.click('#refresh');
          await page.waitForTimeout(300);
          return section.locator('li', { hasText: 'deploy:' }).count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBeGreaterThan(0);
    const running = section.locator('li', { hasText: 'deploy:' }).first();
    expect(await running.textContent()).toMatch(/^deploy: \w+/);
    expect(await running.locator('progress').count()).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-page-running.png'), fullPage: true });
    Object.assign(timing, saved);
    const { id } = (await res.json()) as { id: string };
    for (;;) {
      const s = (await (await fetch(`${cloud.baseUrl}/runtime/webhooks/durabletask/instances/${id}?code=${cloud.masterKey}`)).json()) as { runtimeStatus: string };
      if (['Completed', 'Failed'].includes(s.runtimeStatus)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 60_000);
});
