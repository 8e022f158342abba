import type { AddressMap } from './contract';

export class MemoryAddressMap implements AddressMap {
  private readonly map = new Map<string, string>();
  set(address: string, local: string): void {
    this.map.set(address, local);
  }
  remove(address: string): void {
    this.map.delete(address);
  }
  resolve(address: string): string | undefined {
    return this.map.get(address);
  }
  snapshot(): Record<string, string> {
    return Object.fromEntries(this.map);
  }
}
