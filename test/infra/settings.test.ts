/** Every app setting the code reads is set by the Bicep and documented in the sample settings file. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SETTING_NAMES } from '../../src/settings';
import { bicepAppSettings, filesUnder, REPO, settingsReadBy, undefinedSettings } from '../support/infraChecks';

const mainBicep = readFileSync(path.join(REPO, 'infra', 'main.bicep'), 'utf8');
const sample = Object.keys((JSON.parse(readFileSync(path.join(REPO, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }).Values);
const bicep = bicepAppSettings(mainBicep);
// Set by the platform itself, never by the app's configuration.
const hostProvided = ['WEBSITE_HOSTNAME'];

function settingsTheCodeReads(): string[] {
  const fromSources = filesUnder(path.join(REPO, 'src'), '.ts').flatMap((f) => settingsReadBy(readFileSync(f, 'utf8')));
  return [...new Set([...fromSources, ...SETTING_NAMES])].sort();
}

describe('app settings', () => {
  it('reads only settings that both the Bicep and local.settings.sample.json define', () => {
    expect(undefinedSettings(settingsTheCodeReads(), { bicep, sample, hostProvided })).toEqual([]);
  });

  it('fails when the code reads a setting nobody defines', () => {
    const read = settingsReadBy('const x = process.env.FRIDAY_NOT_DEFINED; const y = process.env["FRIDAY_ALSO_NOT"];');
    expect(undefinedSettings(read, { bicep, sample, hostProvided })).toEqual(['FRIDAY_ALSO_NOT', 'FRIDAY_NOT_DEFINED']);
  });

  it('keeps secrets out of app settings in clear text (Key Vault references)', () => {
    // No static instance password anywhere: each scale set gets a generated one nobody keeps.
    expect(mainBicep).not.toMatch(/ADMIN_PASSWORD|adminPassword/);
    expect(mainBicep).toMatch(/FRIDAY_AUTOSCALE_WEBHOOK_TOKEN: '@Microsoft\.KeyVault\(SecretUri=/);
    expect(mainBicep).toMatch(/FRIDAY_SCRIPTS_STORAGE_CONNECTION_STRING: ''/);
    expect(mainBicep).toMatch(/AzureWebJobsStorage__credential: 'managedidentity'/);
  });
});
