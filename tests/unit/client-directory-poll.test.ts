import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DIRECTORY_REFRESH_MS, pollDirectory, type PageVisibility } from "../../client/net/directory-api.ts";

/** A page whose visibility the test sets, telling the poller when it is seen again. */
class TestPage implements PageVisibility {
  isHidden = false;
  private waiting: Array<() => void> = [];
  hidden(): boolean {
    return this.isHidden;
  }
  whenVisible(seen: () => void): () => void {
    this.waiting.push(seen);
    return () => (this.waiting = this.waiting.filter((waiting) => waiting !== seen));
  }
  show(): void {
    this.isHidden = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (const seen of waiting) seen();
  }
}

describe("the landing page's directory poll", () => {
  let asks = 0;
  beforeEach(() => {
    asks = 0;
    vi.useFakeTimers();
    vi.stubGlobal("fetch", async () => {
      asks++;
      return new Response(JSON.stringify({ rooms: [], ttlMs: 60_000 }), { status: 200 });
    });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("asks every DIRECTORY_REFRESH_MS while the page is seen, nothing while it is hidden, and at once when it is seen again", async () => {
    const page = new TestPage();
    const shown: number[] = [];
    const stop = pollDirectory((listing) => shown.push(listing.rooms.length), () => {}, page);
    await vi.advanceTimersByTimeAsync(0);
    expect(asks).toBe(1);
    await vi.advanceTimersByTimeAsync(DIRECTORY_REFRESH_MS);
    expect(asks).toBe(2);
    page.isHidden = true;
    await vi.advanceTimersByTimeAsync(DIRECTORY_REFRESH_MS * 10);
    // The ask that fell due as the page hid was not made, nor any after it.
    expect(asks).toBe(2);
    page.show();
    await vi.advanceTimersByTimeAsync(0);
    expect(asks).toBe(3);
    expect(shown).toEqual([0, 0, 0]);
    stop();
    await vi.advanceTimersByTimeAsync(DIRECTORY_REFRESH_MS * 3);
    expect(asks).toBe(3);
  });

  it("stopped while hidden, it does not ask when the page is seen again", async () => {
    const page = new TestPage();
    page.isHidden = true;
    const stop = pollDirectory(() => {}, () => {}, page);
    await vi.advanceTimersByTimeAsync(0);
    expect(asks).toBe(0);
    stop();
    page.show();
    await vi.advanceTimersByTimeAsync(DIRECTORY_REFRESH_MS);
    expect(asks).toBe(0);
  });
});
