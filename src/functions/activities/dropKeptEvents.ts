import { dropKeptEvents as drop } from '../../azure/scaleSetState';
import { loadSettings } from '../../settings';
import { ACTIVITY } from './names';
import { registerActivity } from '../durable';

/** Removes kept events once a run's report accounts for them (repeatable). */
export async function dropKeptEvents(input: { names: string[] }): Promise<{ dropped: number }> {
  return { dropped: await drop(loadSettings(), input.names) };
}

registerActivity(ACTIVITY.dropKeptEvents, { handler: dropKeptEvents });
