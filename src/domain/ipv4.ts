/**
 * IPv4 prefixes, parsed rather than pattern-matched: every octet 0–255, a length 0–32, no host
 * bits set. The RDP rule is the one place a prefix can open a port to the internet, so it has its
 * own check: anything wider than a /8 (including `*`, `Internet`, `0.0.0.0/1`, `128.0.0.0/1`) is
 * "from anywhere" and needs the spec to say so.
 */

export interface Ipv4Prefix {
  /** The base address as an unsigned 32-bit number. */
  base: number;
  bits: number;
}

export const maskOf = (bits: number): number => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0);

const formatAddress = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 0xff).join('.');

/** `10.0.1.0/24` → its base and length; a problem text when it is not a valid, aligned IPv4 prefix. */
export function parseIpv4Prefix(text: string, options: { bareAddress?: boolean } = {}): { ok: true; value: Ipv4Prefix } | { ok: false; problem: string } {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(text);
  if (!m || (m[5] === undefined && !options.bareAddress)) return { ok: false, problem: `'${text.slice(0, 60)}' is not an IPv4 prefix like 10.0.0.0/16` };
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return { ok: false, problem: `'${text}' has an octet above 255` };
  const bits = m[5] === undefined ? 32 : Number(m[5]);
  if (bits > 32) return { ok: false, problem: `'${text}' has a prefix length above 32` };
  const address = octets.reduce((acc, o) => ((acc << 8) | o) >>> 0, 0);
  const base = (address & maskOf(bits)) >>> 0;
  if (base !== address) return { ok: false, problem: `'${text}' has host bits set (the prefix is ${formatAddress(base)}/${bits})` };
  return { ok: true, value: { base, bits } };
}

/** True when `inner` lies inside `outer`. */
export function prefixContains(outer: Ipv4Prefix, inner: Ipv4Prefix): boolean {
  return inner.bits >= outer.bits && ((inner.base & maskOf(outer.bits)) >>> 0) === outer.base;
}

export function prefixesOverlap(a: Ipv4Prefix, b: Ipv4Prefix): boolean {
  const bits = Math.min(a.bits, b.bits);
  return ((a.base & maskOf(bits)) >>> 0) === ((b.base & maskOf(bits)) >>> 0);
}

/** Prefixes shorter than this reach a large share of the internet: RDP from them is "from anywhere". */
export const RDP_WIDEST_WITHOUT_CONSENT = 8;

/**
 * Problems with an RDP source prefix (an address, a CIDR prefix, or the NSG tags `*` / `Internet`
 * / `Any`). Wider than a /8 is allowed only with `allowFromAnywhere` (a spec saying it means it).
 */
export function rdpSourceProblems(prefix: string, options: { allowFromAnywhere: boolean }): string[] {
  const anywhere = ['*', 'internet', 'any'].includes(prefix.toLowerCase());
  let bits = 0;
  if (!anywhere) {
    const parsed = parseIpv4Prefix(prefix, { bareAddress: true });
    if (!parsed.ok) return [`${parsed.problem} (an IP address or CIDR prefix)`];
    bits = parsed.value.bits;
  }
  if (bits < RDP_WIDEST_WITHOUT_CONSENT && !options.allowFromAnywhere) {
    return [`'${prefix}' opens RDP to ${anywhere ? 'the whole internet' : `2^${32 - bits} addresses`} (wider than a /${RDP_WIDEST_WITHOUT_CONSENT}); set rdp.allowFromAnywhere: true to mean it`];
  }
  return [];
}
