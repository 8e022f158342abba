/**
 * End-to-end tests record the ARM actions the app performed (from the emulator's request log), so
 * the least-privilege role can be compared with what the code really does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const OBSERVED_ACTIONS_DIR = path.resolve(__dirname, '..', '..', '.local', 'observed-actions');

export function recordObservedActions(entries: Array<{ action: string; status: number; injected?: boolean; linkedActions?: string[] }>, label: string): void {
  const served = entries.filter((e) => e.action && !e.injected && e.status < 500 && e.status !== 401);
  const actions = [...new Set(served.flatMap((e) => [e.action, ...(e.linkedActions ?? [])]))].sort();
  mkdirSync(OBSERVED_ACTIONS_DIR, { recursive: true });
  writeFileSync(path.join(OBSERVED_ACTIONS_DIR, `${label}.json`), JSON.stringify({ label, actions }, null, 2));
}
