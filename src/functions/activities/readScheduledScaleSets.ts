import { armClientsFor } from '../../azure/armClients';
import { describeArmError } from '../../azure/armErrors';
import { armScaleSetReader, type ScaleSetReader } from '../../azure/scaleSetReads';
import { readScaleSetShape } from '../../azure/scaleSetSizing';
import { loadSchedules } from '../../azure/scheduleStore';
import type { ScheduledScaleSet } from '../../domain/schedule/schedulePlan';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

export type ScheduledScaleSets = { ok: true; source: string; scaleSets: ScheduledScaleSet[] } | { ok: false; source: string; errors: string[] };

/**
 * The schedule document and the current shape of every scale set it names (one GET each; reads
 * only). `only` narrows it to one scale set (a change run re-reads its own under the lock).
 * Throttling and server errors are thrown so the caller's retry policy tries again; a scale set
 * that does not exist (or is forbidden) is reported as that scale set's error.
 */
export async function readScheduledScaleSets(input: { only?: { resourceGroup: string; name: string } } | null): Promise<ScheduledScaleSets> {
  return readScheduledScaleSetsWith(input, {});
}

/** The same, reading each scale set with `readScaleSet` when given (the fleet page shares its reads). */
export async function readScheduledScaleSetsWith(input: { only?: { resourceGroup: string; name: string } } | null, options: { readScaleSet?: ScaleSetReader }): Promise<ScheduledScaleSets> {
  const settings = loadSettings();
  const readScaleSet = options.readScaleSet ?? armScaleSetReader(armClientsFor(settings));
  const loaded = await loadSchedules(settings);
  if (!loaded.ok) return loaded;
  const only = input?.only;
  const wanted = loaded.config.scaleSets.filter((s) => !only || (s.resourceGroup.toLowerCase() === only.resourceGroup.toLowerCase() && s.name.toLowerCase() === only.name.toLowerCase()));
  const scaleSets = await Promise.all(
    wanted.map(async (schedule): Promise<ScheduledScaleSet> => {
      if (!schedule.enabled) return { schedule, error: 'schedule disabled' };
      try {
        return { schedule, current: await readScaleSetShape(readScaleSet, { resourceGroup: schedule.resourceGroup, scaleSetName: schedule.name }) };
      } catch (error) {
        const failure = describeArmError(error);
        if (failure.transient) throw new Error(`read ${schedule.resourceGroup}/${schedule.name}: ${failure.code} ${failure.message}`);
        return { schedule, error: `${failure.code}${failure.statusCode ? ` (HTTP ${failure.statusCode})` : ''}: ${failure.message}` };
      }
    }),
  );
  return { ok: true, source: loaded.source, scaleSets };
}

registerActivity(ACTIVITY.readScheduledScaleSets, { handler: readScheduledScaleSets });
