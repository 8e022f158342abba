/**
 * The instances' administrator password: generated for each scale set when it is created, put in
 * that one PUT, and never stored, logged or returned — friday-fleet has no static password, and
 * nobody holds one. Instances are managed through ARM (extensions, Run Command), not by logging in;
 * when a person must get onto an instance, they set a password of their own for that instance with
 * the VMAccess extension (README, "Deploy to Azure"), which leaves an audit trail in the activity log.
 *
 * Why not one per scale set kept in Key Vault: a stored password is a standing credential to every
 * instance of the tier that someone must rotate and guard; nothing in friday-fleet ever needs to
 * read it back.
 *
 * Windows rules (ARM `osProfile.adminPassword`): 12–123 characters, three of lower case, upper
 * case, digit and special character; a few common passwords are refused (none can come out of this).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- node built-ins loaded on first use (cold start)
const crypto = (): typeof import('node:crypto') => require('node:crypto') as typeof import('node:crypto');

/** 32 random characters from all four classes (about 190 bits): satisfies every Windows rule. */
export function generatedAdminPassword(): string {
  const sets = ['abcdefghijkmnopqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '!#%+-=?@^_~'];
  const all = sets.join('');
  const pick = (chars: string): string => chars[crypto().randomInt(chars.length)] ?? 'x';
  const chars = [...sets.map(pick), ...Array.from({ length: 28 }, () => pick(all))];
  // Shuffle so the guaranteed classes are not always the first four characters.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = crypto().randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j] ?? '', chars[i] ?? ''];
  }
  return chars.join('');
}
