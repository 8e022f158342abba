/**
 * Microsoft.Compute routes for Uniform scale sets, as `@azure/arm-compute` 25 drives them
 * (api-version 2026-04-01), plus the scale-set NIC lists that `@azure/arm-network` reads
 * (api-version 2018-10-01). One route file per resource, as Azurite splits its handlers:
 * scale sets, scale-set actions and rolling upgrades, extensions, scale-set VMs, NIC lists,
 * resource SKUs, usages (and the vCPU quota scale-set writes are held to).
 * ScaleSetEngine holds state and behaviour.
 */
import type { ProviderContext } from '../core/contract';
import { computeRoutesFor } from './computeRoutes';
import { ScaleSetEngine } from './scaleSetEngine';
import { registerScaleSetActionRoutes } from './scaleSetActions';
import { registerScaleSetExtensionRoutes } from './scaleSetExtensions';
import { registerScaleSetNicRoutes } from './scaleSetNics';
import { registerScaleSetRoutes } from './scaleSets';
import { registerScaleSetVmRoutes } from './scaleSetVms';
import { registerResourceSkuRoutes } from './resourceSkus';
import { ComputeQuotas, registerUsageRoutes } from './usages';

export function registerComputeProvider(ctx: ProviderContext): void {
  const engine = new ScaleSetEngine(ctx);
  ctx.instances = engine;
  const quotas = new ComputeQuotas();
  ctx.computeQuotas = quotas;
  const routes = computeRoutesFor(ctx, engine);
  // Registration order is route order; it is the order the single file had.
  registerScaleSetRoutes(routes, quotas);
  registerScaleSetActionRoutes(routes);
  registerScaleSetExtensionRoutes(routes);
  registerScaleSetVmRoutes(routes);
  registerScaleSetNicRoutes(routes);
  registerResourceSkuRoutes(routes);
  registerUsageRoutes(routes, quotas);
}
