/**
 * End-to-end tests record the ARM actions the app performed (from the emulator's request log), so
 * the least-privilege role can be compared with what the code really does.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const OBSERVED_ACTIONS_DIR = path.resolve(__dirname, '..', '..', '.local', 'observed-actions');

export function recordObservedActions(entries: Array<{ action: string; status: number; injected?: boolean }>, label: string): void {
  const actions = [...new Set(entries.filter((e) => e.action && !e.injected && e.status < 500 && e.status !== 401).map((e) => e.action))].sort();
  mkdirSync(OBSERVED_ACTIONS_DIR, { recursive: true });
  writeFileSync(path.join(OBSERVED_ACTIONS_DIR, `${label}.json`), JSON.stringify({ label, actions }, null, 2));
}
