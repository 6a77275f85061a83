/**
 * The store model's trips on a fake clock: a document larger than one item
 * takes a round trip per page, and with a bandwidth each trip also takes its
 * bytes' transfer time, padding included. The revision is the one the first
 * page saw; a write reaches the store only with its last page.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type * as Party from "partykit/server";
import { StoreClient } from "../../party/stateless/store-client.ts";
import { DEFAULT_STATELESS_CONFIG, type StatelessConfig } from "../../party/stateless/config.ts";

const DOCUMENT = "x".repeat(50);

/** A store stub that answers at once and notes when each request arrived (fake clock). */
function fakeStore() {
  const arrivals: Array<{ method: string; atMs: number }> = [];
  const stub = {
    fetch: async (init: { method: string }) => {
      arrivals.push({ method: init.method, atMs: Date.now() });
      if (init.method === "GET") return new Response(DOCUMENT, { headers: { "x-revision": "3" } });
      return Response.json({ revision: 4 });
    },
  };
  return { stub: stub as unknown as Party.Stub, arrivals };
}

function client(stub: Party.Stub, settings: Partial<StatelessConfig>): StoreClient {
  return new StoreClient(stub, { ...DEFAULT_STATELESS_CONFIG, storeLatencyMs: 10, storeJitterMs: 0, ...settings }, { invocation: "test" });
}

/** Resolves `promise` on the fake clock; returns the fake time it took. */
async function timed(promise: Promise<unknown>): Promise<number> {
  const start = Date.now();
  let done = false;
  void promise.then(() => (done = true));
  while (!done) await vi.advanceTimersByTimeAsync(1);
  return Date.now() - start;
}

beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => vi.useRealTimers());

describe("the store model's trips", () => {
  it("one round trip for a document within one item, size costing nothing by default", async () => {
    const { stub } = fakeStore();
    expect(await timed(client(stub, {}).read())).toBe(20);
  });

  it("a padded document over the item limit takes a round trip per page; the read counts the padding", async () => {
    const { stub, arrivals } = fakeStore();
    const store = client(stub, { storeItemBytes: 100, storePadBytes: 350 });
    const read = store.read();
    expect(await timed(read)).toBe(4 * 20);
    expect(await read).toMatchObject({ found: true, revision: 3, bytes: 400 });
    // The revision was taken at the first page: the request reached the store after one way.
    expect(arrivals[0]!.atMs - 1_000_000).toBe(10);
  });

  it("a paged write reaches the store with its last page", async () => {
    const { stub, arrivals } = fakeStore();
    const store = client(stub, { storeItemBytes: 100, storePadBytes: 350 });
    const start = Date.now();
    expect(await timed(store.write(DOCUMENT, 3, false))).toBe(4 * 20);
    expect(arrivals.map((arrival) => [arrival.method, arrival.atMs - start])).toEqual([["PUT", 3 * 20 + 10]]);
  });

  it("with a bandwidth, a trip also takes its bytes' transfer time", async () => {
    const { stub } = fakeStore();
    // 1 Mbit/s: 8 us per byte; 10,050 bytes down is about 80 ms more.
    const elapsed = await timed(client(stub, { storeBandwidthMbps: 1, storePadBytes: 10_000 }).read());
    expect(elapsed).toBeGreaterThanOrEqual(20 + 80);
    expect(elapsed).toBeLessThanOrEqual(20 + 82);
  });
});
