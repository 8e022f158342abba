/**
 * Compares an answer with a spec example by shape, as LocalStack's parity tests compare with
 * recorded cloud answers: every property the example shows must be there with the same JSON type;
 * values are ignored (ids, names, times, GUIDs and addresses naturally differ) except resource
 * `type`s, which name what was answered. Properties the example does not show are not judged.
 */

export interface ShapeDifference {
  /** Dotted path, arrays as `[i]`, e.g. `properties.subnets[0].properties.addressPrefix`. */
  path: string;
  difference: string;
}

type JsonType = 'null' | 'array' | 'object' | 'string' | 'number' | 'boolean';

const jsonType = (v: unknown): JsonType => (v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as JsonType));

export function compareShape(expected: unknown, actual: unknown, at = ''): ShapeDifference[] {
  const out: ShapeDifference[] = [];
  const te = jsonType(expected);
  const ta = jsonType(actual);
  // A null in an example says "may be absent or null" (e.g. nextLink: null on a last page).
  if (te === 'null') return out;
  if (actual === undefined) return [{ path: at || '(body)', difference: 'missing' }];
  if (te !== ta) return [{ path: at || '(body)', difference: `type ${ta}, example has ${te}` }];
  if (te === 'array') {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (e.length > 0 && a.length === 0) return [{ path: at, difference: 'empty array, example has items' }];
    // Items answer in the order they were sent; compare as many as both have.
    for (let i = 0; i < Math.min(e.length, a.length); i++) out.push(...compareShape(e[i], a[i], `${at}[${i}]`));
    return out;
  }
  if (te === 'object') {
    const e = expected as Record<string, unknown>;
    const a = actual as Record<string, unknown>;
    for (const key of Object.keys(e)) out.push(...compareShape(e[key], a[key], at ? `${at}.${key}` : key));
    return out;
  }
  if ((at === 'type' || at.endsWith('.type')) && typeof expected === 'string' && expected.startsWith('Microsoft.')) {
    const got = typeof actual === 'string' ? actual : JSON.stringify(actual);
    if (got.toLowerCase() !== expected.toLowerCase()) out.push({ path: at, difference: `resource type '${got}', example has '${expected}'` });
  }
  return out;
}

/** Header expectations: `url` (absolute https URL) or `integer` (seconds). */
export function compareHeaders(expected: Record<string, 'url' | 'integer'>, actual: Record<string, string>): ShapeDifference[] {
  const out: ShapeDifference[] = [];
  for (const [name, kind] of Object.entries(expected)) {
    const value = actual[name.toLowerCase()];
    if (value === undefined) out.push({ path: `header ${name}`, difference: 'missing' });
    else if (kind === 'url' && !/^https:\/\/\S+$/.test(value)) out.push({ path: `header ${name}`, difference: `not an https URL: ${value}` });
    else if (kind === 'integer' && !/^\d+$/.test(value)) out.push({ path: `header ${name}`, difference: `not an integer: ${value}` });
  }
  return out;
}
