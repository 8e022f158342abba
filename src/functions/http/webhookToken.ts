/**
 * The autoscale webhook's token check with rotation: the current token, or during a rotation the
 * previous one (README "Rotating the webhook token"). Each configured token is compared with
 * secretMatches (SHA-256 digests, constant time), and every one is compared, so the time taken
 * does not say which one matched.
 */
import { secretMatches } from './credentials';

export function webhookTokenMatches(configured: Array<string | undefined>, given: string | null): boolean {
  let matched = false;
  for (const token of configured) {
    if (secretMatches(token, given)) matched = true;
  }
  return matched;
}
