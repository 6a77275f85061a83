/**
 * "At most N distinct things per client address per window", counted in one
 * server process: rooms created, pictures uploaded. Every party of a PartyKit
 * project runs in the process (isolate) that serves it, so a module-level
 * counter sees every room of that process; on Cloudflare an isolate serves a
 * share of the traffic, which makes this a per-isolate limit, and a project
 * that needs a global one puts a rate-limiting rule in front of it.
 */

/** Addresses kept before a sweep drops the ones whose window has passed. */
const SWEEP_AT_ADDRESSES = 10_000;

export class AddressQuota {
  private readonly seen = new Map<string, Array<{ key: string; atMs: number }>>();

  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
  ) {}

  /**
   * Whether `address` may have `key` now: true when it had `key` within the
   * window already (a reconnect, a retry), or has fewer than the limit. An
   * unknown address (the runtime does not show it) is not counted.
   */
  admit(address: string | undefined, key: string, nowMs: number): boolean {
    if (address === undefined) return true;
    if (this.seen.size > SWEEP_AT_ADDRESSES) this.sweep(nowMs);
    const recent = (this.seen.get(address) ?? []).filter((entry) => nowMs - entry.atMs < this.windowMs);
    if (recent.some((entry) => entry.key === key)) return true;
    if (recent.length >= this.perWindow) {
      this.seen.set(address, recent);
      return false;
    }
    recent.push({ key, atMs: nowMs });
    this.seen.set(address, recent);
    return true;
  }

  private sweep(nowMs: number): void {
    for (const [address, entries] of this.seen) if (entries.every((entry) => nowMs - entry.atMs >= this.windowMs)) this.seen.delete(address);
  }
}

let processQuotas: { rooms: AddressQuota; uploads: AddressQuota } | null = null;

/** The process's quotas, made from the first party's settings (every party has the same env). */
export function addressQuotas(roomsPerMin: number, uploadsPerMin: number): { rooms: AddressQuota; uploads: AddressQuota } {
  processQuotas ??= { rooms: new AddressQuota(roomsPerMin, 60_000), uploads: new AddressQuota(uploadsPerMin, 60_000) };
  return processQuotas;
}
