import { listKeptEvents as listKept, type KeptEvent } from '../../azure/scaleSetState';
import { scaleSetKey } from '../../domain/changeLock';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

/** The events kept for a scale set, waiting to be accounted for by a run (azure/scaleSetState.ts). */
export async function listKeptEvents(input: { resourceGroup: string; scaleSetName: string }): Promise<KeptEvent[]> {
  const settings = loadSettings();
  return listKept(settings, scaleSetKey({ subscriptionId: settings.AZURE_SUBSCRIPTION_ID, ...input }));
}

registerActivity(ACTIVITY.listKeptEvents, { handler: listKeptEvents });
