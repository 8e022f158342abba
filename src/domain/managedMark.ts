/**
 * Managed means marked. A scale set is friday-fleet's to verify and repair only when friday-fleet
 * created or adopted it — a deployment (which writes the scale set's model, so re-deploying a spec
 * over an existing scale set adopts it) sets this tag. It is checked on every event and again,
 * freshly read, right before every write an event leads to; lock history proves nothing (an
 * unmanaged scale set could share a name pattern with a managed one).
 *
 * Azure compares tag names case-insensitively and keeps values as written; the value is compared
 * case-insensitively too, so a hand-typed `Friday-Fleet` still counts.
 */
export const MANAGED_TAG_NAME = 'managed-by';
export const MANAGED_TAG_VALUE = 'friday-fleet';

export const MANAGED_TAGS: Readonly<Record<string, string>> = Object.freeze({ [MANAGED_TAG_NAME]: MANAGED_TAG_VALUE });

export function isMarkedManaged(tags: Record<string, string> | undefined | null): boolean {
  if (!tags) return false;
  return Object.entries(tags).some(([name, value]) => name.toLowerCase() === MANAGED_TAG_NAME && String(value).toLowerCase() === MANAGED_TAG_VALUE);
}
