/** Real SDK clients pointed at a running emulator (no mocks: the wire is the contract). */
import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/identity';

export const staticCredential: TokenCredential = {
  getToken: async () => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3600_000 }),
};

export interface EmulatorEndpoint {
  armEndpoint: string;
  caCertPem: string;
  subscriptionId: string;
}

export function testClients(emulator: EmulatorEndpoint, options: { maxRetries?: number } = {}) {
  const clientOptions = {
    endpoint: emulator.armEndpoint,
    tlsOptions: { ca: emulator.caCertPem },
    retryOptions: { maxRetries: options.maxRetries ?? 3, retryDelayInMs: 50, maxRetryDelayInMs: 200 },
  };
  return {
    compute: new ComputeManagementClient(staticCredential, emulator.subscriptionId, clientOptions),
    network: new NetworkManagementClient(staticCredential, emulator.subscriptionId, clientOptions),
    resources: new ResourceManagementClient(staticCredential, emulator.subscriptionId, clientOptions),
  };
}

let counter = 0;
/** Fresh, unique names per test. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${counter}`;
}
