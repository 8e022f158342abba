/**
 * How long Azure takes, for an emulator that must never be kinder than Azure. Every figure is
 * Azure time in ms; the emulator's clock divides it by `timeScale`, so the suite runs an Azure
 * hour in well under a minute while the orchestration, its durable timers and the runner's
 * `functionTimeout` see the full hour (one clock, core/clock.ts).
 *
 * Sources are listed per figure in local/emulator/README.md ("Azure time"). Where Microsoft
 * publishes no number the figure is a typical observed one and says so there.
 */
import { AZURE_LIST_PAGE_LATENCY } from './armLatency';
import type { EmulatorTiming } from './contract';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export const AZURE_TIMING: Readonly<Required<EmulatorTiming>> = Object.freeze({
  // NSG, VNet/subnet, public IP, NAT gateway, load balancer: a PUT settles in seconds to tens of seconds.
  networkOperationMs: 20 * SECOND,
  // Application Gateway v2 (Standard_v2 / WAF_v2) create or update: about 6 minutes (FAQ); 5–15 seen.
  applicationGatewayOperationMs: 6 * MINUTE,
  // A Windows Server VM from a marketplace image until its guest agent reports ready (per instance, in parallel).
  instanceProvisionMs: 3 * MINUTE,
  // Custom Script Extension: download the script, install IIS, format the data disk.
  extensionRunMs: 90 * SECOND,
  // Deleting one VM of a scale set (guest shut down, VM, NIC and OS disk released), instances in parallel.
  instanceDeleteMs: 2 * MINUTE,
  // Powering off or deallocating one VM (guest shut down, then stopped or its hardware released).
  instanceStopMs: 1 * MINUTE,
  // Compute applying a model write (scale-set PUT/PATCH, extension write) before any instance acts,
  // or one VM taking a model change that needs no restart and no extension run.
  modelWriteMs: 15 * SECOND,
  // Instance web pages answer as fast as the machine serves them: the profile adds nothing.
  pageLatencyMs: 0,
  pageLatencyJitterMs: 0,
  // Front ends probe on their own definitions' intervals (LB `intervalInSeconds`, App Gateway `interval`).
  healthProbeIntervalMs: 0,
  // How long ARM asks a poller to wait between status polls.
  operationRetryAfterSeconds: 10,
  // ARM answering one page of a list (VMs with instance views, NICs): core/armLatency.ts.
  ...AZURE_LIST_PAGE_LATENCY,
});

/**
 * The time scale the tests and the demo use: one Azure minute in half a real second. At this scale
 * host.json's ten-minute `functionTimeout` is five real seconds — longer than the real-time waits an
 * activity makes here (a page probe's timeout, the SDK's back-off after one or two 5xx) — and a
 * deployment's Azure ten minutes take about five real seconds. A test that makes the SDK back off
 * longer in real time (a 5xx burst: 1 + 2 + 4 s) runs at 60 (ten real seconds). `FRIDAY_TIME_SCALE`
 * overrides it.
 */
export const DEFAULT_AZURE_TIME_SCALE = 120;

export interface AzureTime {
  timing: EmulatorTiming;
  timeScale: number;
}

/** Azure's timing at the given (or default) time scale, with figures a test wants different. */
export function azureTime(options: { timeScale?: number; timing?: Partial<EmulatorTiming> } = {}): AzureTime {
  const fromEnv = Number(process.env.FRIDAY_TIME_SCALE);
  const timeScale = options.timeScale ?? (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_AZURE_TIME_SCALE);
  return { timing: { ...AZURE_TIMING, ...options.timing }, timeScale };
}

/** An LRO's duration for a network resource type (`applicationGateways` takes its own time). */
export function networkOperationMs(timing: EmulatorTiming, resourceType: string): number {
  if (resourceType.toLowerCase() === 'applicationgateways') return timing.applicationGatewayOperationMs ?? timing.networkOperationMs;
  return timing.networkOperationMs;
}
