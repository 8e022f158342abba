/** The durable backend parameter: Azure Storage by default, the Durable Task Scheduler with an identity-based connection. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../support/infraChecks';

const read = (...p: string[]): string => readFileSync(path.join(REPO, ...p), 'utf8');

describe('durable backend', () => {
  const main = read('infra', 'main.bicep');
  it('is a parameter beside Azure Storage (the default), and the scheduler exists only when chosen', () => {
    expect(main).toMatch(/@allowed\(\['azureStorage', 'durableTaskScheduler'\]\)[\s\S]*?param durableBackend string = 'azureStorage'/);
    expect(main).toMatch(/module durableScheduler 'app\/durable-task-scheduler\.bicep' = if \(durableBackend == 'durableTaskScheduler'\)/);
    expect(main).toContain('appSettings: union(appSettings, durableSchedulerSettings)');
  });

  it('connects by the app identity (no secret), switches the provider to azureManaged and grants Durable Task Data Contributor on the scheduler', () => {
    expect(main).toMatch(/DURABLE_TASK_SCHEDULER_CONNECTION_STRING: 'Endpoint=\$\{durableScheduler!\.outputs\.endpoint\};Authentication=ManagedIdentity;ClientID=\$\{identity\.outputs\.clientId\}'/);
    expect(main).toContain("AzureFunctionsJobHost__extensions__durableTask__storageProvider__type: 'azureManaged'");
    // The main bundle carries azureManaged for non-.NET apps from 4.32.0 (Learn quickstart, 2026-05-26).
    expect(main).toContain("AzureFunctionsJobHost__extensionBundle__id: 'Microsoft.Azure.Functions.ExtensionBundle'\n");
    expect(main).toContain("AzureFunctionsJobHost__extensionBundle__version: '[4.32.0, 5.0.0)'");
    const module = read('infra', 'app', 'durable-task-scheduler.bicep');
    expect(module).toContain("resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01'");
    expect(module).toContain("'0ad04412-c4d5-4796-b79c-f76d14c8d402'"); // Durable Task Data Contributor
    expect(module).toMatch(/scope: scheduler/);
  });

  it('leaves host.json (and so the local runner) on Azure Storage', () => {
    const host = JSON.parse(read('host.json')) as { extensions: { durableTask: { storageProvider?: unknown } } };
    expect(host.extensions.durableTask.storageProvider).toBeUndefined();
    expect(read('docs', 'durable-backend.md')).toMatch(/Choose the Durable Task Scheduler/);
  });
});
