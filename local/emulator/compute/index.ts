import type { ProviderContext } from '../core/contract';

/** Registers Microsoft.Compute routes (scale sets, instances, extensions, rolling upgrades). */
export function registerComputeProvider(_ctx: ProviderContext): void {
  // Filled in by the compute provider.
}
