/**
 * The fleet page at 1000 instances, in Debian's Chromium: the scale set reads at a glance as a
 * picture (one cell per instance, coloured by verdict, grouped by zone), only what needs attention
 * is a row (failing, unverified, gone) with a filter, and the schedule's next 7 days are a chart.
 * Saves test/artifacts/fleet-page-1000.png (git-ignored) — look at it.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCloud, type LocalCloudHandle } from '../../local/cli/localCloud';
import { testClients } from '../support/armTestClients';
import { runToEnd } from '../support/durableRuns';
import { collectPageErrors, openFleetPage } from '../support/fleetPageBrowser';
import { buildNetwork, raiseComputeQuota, scaleSetBody, uploadScript } from '../support/tier';

const RG = 'rg-fleet-1000';
const NAME = 'vmss-big';
const N = 1000;
const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const CHROMIUM = process.env.FRIDAY_CHROMIUM ?? '/usr/bin/chromium';
const BROKEN = ['7', '512', '901'];
const GONE = ['20', '21', '22', '23', '24'];
let cloud: LocalCloudHandle;
let failed: string[] = [];
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: run \`npm run browser:install\` (Debian package chromium) or set FRIDAY_CHROMIUM.`);
  const schedules = {
    scaleSets: [
      {
        resourceGroup: RG,
        name: NAME,
        timeZone: 'Europe/Berlin',
        default: { capacity: 200, vmSize: 'Standard_B2s' },
        periods: [
          { name: 'business-hours', weekdays: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '07:00', end: '19:00', target: { capacity: 1000, vmSize: 'Standard_D2s_v5' } },
          { name: 'saturday', weekdays: ['sat'], start: '10:00', end: '16:00', target: { capacity: 400 } },
        ],
      },
    ],
  };
  cloud = await startLocalCloud({ dataDir: mkdtempSync(path.join(tmpdir(), 'friday-fleet-1000-')), settings: { FRIDAY_SCHEDULES: JSON.stringify(schedules) }, runner: { log: () => undefined, timers: 'manual' } });
  // The scale set is built straight through ARM (1000 instances over three zones), then verified by the app.
  const clients = testClients(cloud.emulator);
  await raiseComputeQuota(cloud.emulator.adminUrl, 4 * N);
  const net = await buildNetwork(clients, { resourceGroup: RG, subscriptionId: cloud.subscriptionId, subnetPrefix: '10.0.0.0/20' });
  const scriptUrl = await uploadScript({ connectionString: cloud.azurite.connectionString, blobEndpoint: cloud.azurite.blobEndpoint, container: 'fleet-1000', name: 'setup-friday.ps1' });
  await clients.compute.virtualMachineScaleSets.createOrUpdate(RG, NAME, scaleSetBody(net, { resourceGroup: RG, scaleSetName: NAME, capacity: N, scriptUrl, overprovision: false, zones: ['1', '2', '3'] }));
  for (const instanceId of BROKEN) cloud.emulator.faults.add({ instance: { vmss: NAME, instanceId }, page: 'page500' });
  const verified = await runToEnd(cloud, `scalesets/${NAME}/verify`, { resourceGroup: RG }, 300_000);
  // The broken ones fail; on a loaded machine a probe may also time out — the page must show what the run found.
  const verdicts = (verified.output as { instances: Array<{ instanceId: string; verdict: string }> }).instances;
  failed = verdicts.filter((v) => v.verdict === 'fail' && !GONE.includes(v.instanceId)).map((v) => v.instanceId);
  expect(failed).toEqual(expect.arrayContaining(BROKEN));
  // Then, outside friday-fleet: five instances deleted (gone) and three added (not verified yet).
  await clients.compute.virtualMachineScaleSets.deleteInstances(RG, NAME, { instanceIds: GONE });
  await clients.compute.virtualMachineScaleSets.update(RG, NAME, { sku: { capacity: N - 2 } });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await cloud?.close();
});

describe('fleet page at 1000 instances', () => {
  it('draws every instance as a cell by zone and verdict, lists only what needs attention with a working filter, and charts the schedule', async () => {
    const page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
    const errors = collectPageErrors(page);
    await openFleetPage(page, cloud);
    const section = page.locator(`section[data-scaleset="${NAME}"]`);
    await section.waitFor({ timeout: 60_000 });
    const cells = section.locator('[data-cell]');
    await expect.poll(() => cells.count(), { timeout: 30_000 }).toBe(N - 2);
    expect(await section.locator('[data-zone]').count()).toBe(3);
    expect(await section.locator('[data-cell][data-verdict="fail"]').count()).toBe(failed.length);
    expect(await section.locator('[data-cell][data-verdict="unverified"]').count()).toBe(3);
    expect(await section.locator('[data-cell][data-verdict="pass"]').count()).toBe(N - failed.length - GONE.length);
    // Rows: the failing, the 3 new and the 5 deleted — not 1000 "pass" rows.
    const rows = section.locator('table[data-table="attention"] tbody tr');
    expect(await rows.count()).toBe(failed.length + 3 + GONE.length);
    for (const id of BROKEN) expect(await section.locator(`tr[data-verdict="fail"][data-instance="${id}"] td.reason`).textContent()).toBe('page: HTTP 500');
    const goneIds: Array<string | null> = [];
    for (const row of await section.locator('tr[data-verdict="gone"]').all()) goneIds.push(await row.getAttribute('data-instance'));
    expect(goneIds.sort()).toEqual(GONE);
    await section.locator('select').selectOption('gone');
    expect(await rows.count()).toBe(5);
    await section.locator('select').selectOption('');
    await section.locator('input[type="search"]').fill('HTTP 500');
    expect(await rows.count()).toBe(BROKEN.length);
    await section.locator('input[type="search"]').fill('');
    // Details of an instance on hover (and tap).
    await section.locator('[data-cell][data-instance="512"]').hover();
    await expect.poll(() => section.locator('.detail').textContent()).toMatch(/\(instance 512\) — fail: page: HTTP 500/);
    // The schedule as a chart: a capacity line with a point per change and a VM-size band.
    const chart = section.locator('svg.chart');
    expect(await chart.count()).toBe(1);
    expect(await chart.locator('circle').count()).toBeGreaterThan(5);
    expect(await chart.locator('rect').count()).toBeGreaterThan(5);
    expect(await chart.getAttribute('aria-label')).toContain('Standard_D2s_v5');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'fleet-page-1000.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
