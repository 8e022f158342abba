/**
 * Where an address inside the VNet (or a public front end) is reached from this process. In Azure
 * the Function App is VNet-integrated and connects to private IPs directly. In the local cloud the
 * emulator publishes a map (`FRIDAY_ADDRESS_MAP_URL`) from `ip:port` to a loopback port.
 */
export interface AddressResolver {
  /** `http://host:port` for an `ip` and port as seen inside the network. */
  origin(ip: string, port?: number): string;
}

/** `only`: the addresses (`ip:port`) that will be asked for, when few — the map is then read for just those. */
export async function createAddressResolver(mapUrl: string | undefined, only?: string[]): Promise<AddressResolver> {
  if (!mapUrl) return { origin: (ip, port = 80) => `http://${ip}${port === 80 ? '' : `:${port}`}` };
  const url = new URL(mapUrl);
  for (const address of only ?? []) url.searchParams.append('address', address);
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`address map at ${mapUrl} answered HTTP ${res.status}`);
  const map = (await res.json()) as Record<string, string>;
  return {
    origin: (ip, port = 80) => {
      const local = map[`${ip}:${port}`];
      // An address with no listener maps to a closed port: the probe reports "connection refused", as in a VNet.
      return `http://${local ?? '127.0.0.1:9'}`;
    },
  };
}
