/**
 * CPU time spent by this process and by the emulator's, so the bench can say how much of the
 * machine the bare probe sweep uses — on a small machine the 1000 instance web servers, ARM and
 * the app share the same cores, which a real scale set never does.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** CPU milliseconds (all threads) used so far by this process. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** CPU milliseconds (all threads) used so far by another process, from Linux's per-thread schedstat; null where that is not readable. */
export function processCpuMs(pid: number): number | null {
  try {
    let ns = 0;
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
    }
    return ns / 1e6;
  } catch {
    return null;
  }
}

export interface CpuSpan {
  appMs: number;
  emulatorMs: number | null;
}

/** Measures the CPU both processes spend while `work` runs. */
export async function measureCpu<T>(emulatorPid: number, work: () => Promise<T>): Promise<{ result: T; cpu: CpuSpan }> {
  const app0 = ownCpuMs();
  const em0 = processCpuMs(emulatorPid);
  const result = await work();
  const em1 = processCpuMs(emulatorPid);
  return { result, cpu: { appMs: ownCpuMs() - app0, emulatorMs: em0 === null || em1 === null ? null : em1 - em0 } };
}
