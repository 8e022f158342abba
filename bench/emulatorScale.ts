/**
 * Emulator at fleet scale: create a 1000-instance scale set through the real SDK and list it
 * (paged VMs with instance view + NICs). Prints CPU time, wall time and memory per instance.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator } from '../local/emulator';
import { testClients } from '../test/support/armTestClients';
import { buildNetwork, scaleSetBody } from '../test/support/tier';

export interface EmulatorScaleResult {
  instances: number;
  createWallMs: number;
  createCpuMs: number;
  listWallMs: number;
  listCpuMs: number;
  listCalls: number;
  heapPerInstanceBytes: number;
}

const cpuMs = (start: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};

export async function measureEmulatorScale(instances = 1000): Promise<EmulatorScaleResult> {
  const emulator = await startEmulator({ stateDir: mkdtempSync(path.join(tmpdir(), 'friday-bench-')), throttling: false });
  try {
    const clients = testClients(emulator);
    const rg = 'rg-bench';
    const net = await buildNetwork(clients, { resourceGroup: rg, subscriptionId: emulator.subscriptionId, subnetPrefix: '10.0.0.0/20' });
    // No script: this measures the emulator's bookkeeping, not 1000 guests running IIS.
    const body = scaleSetBody(net, { resourceGroup: rg, scaleSetName: 'vmss-big', capacity: instances, scriptUrl: 'http://127.0.0.1:9/none.ps1', overprovision: false });
    delete body.virtualMachineProfile?.extensionProfile;
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    let cpu = process.cpuUsage();
    let t = performance.now();
    await clients.compute.virtualMachineScaleSets.createOrUpdate(rg, 'vmss-big', body);
    const createWallMs = performance.now() - t;
    const createCpuMs = cpuMs(cpu);
    global.gc?.();
    const heapPerInstanceBytes = (process.memoryUsage().heapUsed - heapBefore) / instances;
    const seqBefore = emulator.requestLog.lastSeq;
    cpu = process.cpuUsage();
    t = performance.now();
    let count = 0;
    for await (const _vm of clients.compute.virtualMachineScaleSetVMs.list(rg, 'vmss-big', { expand: 'instanceView' })) count++;
    for await (const _nic of clients.network.networkInterfaces.listVirtualMachineScaleSetNetworkInterfaces(rg, 'vmss-big')) count++;
    const listWallMs = performance.now() - t;
    const listCpuMs = cpuMs(cpu);
    if (count !== 2 * instances) throw new Error(`listed ${count} items, expected ${2 * instances}`);
    return { instances, createWallMs, createCpuMs, listWallMs, listCpuMs, listCalls: emulator.requestLog.lastSeq - seqBefore, heapPerInstanceBytes };
  } finally {
    await emulator.close();
  }
}

if (require.main === module) {
  measureEmulatorScale(Number(process.argv[2] ?? 1000)).then(
    (r) => {
      console.log(`emulator scale: ${r.instances} instances`);
      console.log(`  create: ${r.createWallMs.toFixed(0)} ms wall, ${r.createCpuMs.toFixed(0)} ms CPU (same process: SDK + emulator)`);
      console.log(`  list VMs (instance view) + NICs: ${r.listWallMs.toFixed(0)} ms wall, ${r.listCpuMs.toFixed(0)} ms CPU, ${r.listCalls} ARM calls`);
      console.log(`  memory: ${(r.heapPerInstanceBytes / 1024).toFixed(1)} KiB heap per instance`);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
