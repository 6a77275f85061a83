/**
 * A token bucket on a clock the caller reads: `capacity` tokens, refilled at
 * `perSecond`, one taken per event. It allows bursts up to the capacity and a
 * sustained rate of `perSecond`, and costs two numbers per bucket.
 */
export class TokenBucket {
  private tokens: number;
  private readonly perMs: number;

  constructor(
    private readonly capacity: number,
    perSecond: number,
    private atMs: number,
  ) {
    this.tokens = capacity;
    this.perMs = perSecond / 1000;
  }

  /** Takes a token if there is one at `nowMs`; false when the bucket is empty. */
  take(nowMs: number): boolean {
    if (nowMs > this.atMs) {
      this.tokens = Math.min(this.capacity, this.tokens + (nowMs - this.atMs) * this.perMs);
      this.atMs = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
