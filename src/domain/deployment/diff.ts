/**
 * Does an existing resource already have what we want? Desired is compared as a subset of
 * actual (ARM adds read-only fields: ids, etags, provisioning state), named array items are
 * matched by name, ids compared case-insensitively. Returns readable differences; none means
 * no write is needed.
 */
type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: Json): string => (v === undefined ? 'absent' : JSON.stringify(v));

function sameScalar(key: string, desired: Json, actual: Json): boolean {
  if (typeof desired === 'string' && typeof actual === 'string') {
    // ARM ids, names and locations are case-insensitive.
    if (key === 'id' || key === 'name' || key === 'location' || key.endsWith('Uri')) return desired.toLowerCase() === actual.toLowerCase();
  }
  return desired === actual;
}

export function differences(desired: Json, actual: Json, path = '', key = ''): string[] {
  if (desired === undefined) return [];
  if (Array.isArray(desired)) {
    const wanted = desired as Json[];
    if (!Array.isArray(actual)) return [`${path}: ${show(actual)} → ${show(desired)}`];
    const have = actual as Json[];
    const named = wanted.every((d) => isObject(d) && typeof d.name === 'string');
    if (named) {
      const out: string[] = [];
      for (const d of wanted as Array<Record<string, Json>>) {
        const match = have.find((a) => isObject(a) && typeof a.name === 'string' && a.name.toLowerCase() === String(d.name).toLowerCase());
        if (!match) out.push(`${path}[${String(d.name)}]: missing`);
        else out.push(...differences(d, match, `${path}[${String(d.name)}]`));
      }
      for (const a of have) {
        if (isObject(a) && typeof a.name === 'string' && !wanted.some((d) => String((d as Record<string, Json>).name).toLowerCase() === String(a.name).toLowerCase())) {
          out.push(`${path}[${a.name}]: not wanted`);
        }
      }
      return out;
    }
    if (wanted.length !== have.length) return [`${path}: ${show(actual)} → ${show(desired)}`];
    if (wanted.every((d) => !isObject(d) && !Array.isArray(d))) {
      const a = have.map((v) => String(v)).sort();
      const d = wanted.map((v) => String(v)).sort();
      return a.every((v, i) => v === d[i]) ? [] : [`${path}: ${show(actual)} → ${show(desired)}`];
    }
    return wanted.flatMap((d, i) => differences(d, have[i], `${path}[${i}]`));
  }
  if (isObject(desired)) {
    if (!isObject(actual)) return [`${path || '(resource)'}: ${show(actual)} → ${show(desired)}`];
    // Keys that are resource ids (userAssignedIdentities) come back in ARM's casing.
    const field = (k: string): Json => (k in actual ? actual[k] : actual[Object.keys(actual).find((a) => a.toLowerCase() === k.toLowerCase()) ?? k]);
    return Object.entries(desired).flatMap(([k, v]) => differences(v, field(k), path ? `${path}.${k}` : k, k));
  }
  return sameScalar(key, desired, actual) ? [] : [`${path}: ${show(actual)} → ${show(desired)}`];
}
