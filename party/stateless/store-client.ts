/**
 * A function's connection to the central store in another region. Locally every
 * party runs in one process, so the distance is modelled: each trip waits the
 * configured one-way latency plus jitter, on the way there and on the way back,
 * exactly where a real network would spend it. The store acts when a request
 * arrives, so what a read sees is the document as it was one trip ago by the
 * time the function gets it: the window every naive read-modify-write has.
 *
 * Size costs time as it does on a real link: with STORE_BANDWIDTH_MBPS each trip
 * also waits its bytes' transfer time, and a document larger than one store item
 * (STORE_ITEM_BYTES, DynamoDB's 400 KB) is kept as several items, read and
 * written one page per round trip. A read takes the revision at its first page
 * (the store answers the whole document then; the other pages are the trips
 * that would carry it), a write commits at its last page (the first pages are
 * the trips that carry the rest). STORE_PAD_BYTES models the part of the case
 * study's ~4 MB state this puzzle document does not have (its game kept more
 * per puzzle than piece positions): that many bytes more per document count in
 * every trip's transfer time, page count and byte counters, without being sent,
 * so the figures measure the modelled link and not this machine copying
 * megabytes between local processes.
 */
import type * as Party from "partykit/server";
import type { StatelessConfig } from "./config.ts";
import { parseBody } from "../../shared/http.ts";
import { BASED_ON_HEADER, REVISION_HEADER, TRACE_HEADER, StoreWriteAnswerSchema } from "./store.ts";
import type { StoreTrace } from "../../shared/http.ts";

export type StoreRead = { found: false; revision: 0 } | { found: true; revision: number; text: string; bytes: number };
export type StoreWrite = { stored: true; revision: number; bytes: number } | { stored: false; conflict: true; revision: number; bytes: number };

const encoder = new TextEncoder();

export function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

export class StoreClient {
  constructor(
    private readonly stub: Party.Stub,
    private readonly config: Pick<StatelessConfig, "storeLatencyMs" | "storeJitterMs" | "storeBandwidthMbps" | "storeItemBytes" | "storePadBytes">,
    /** Sent along with every request, as functions send a trace id: the store's evidence reads it (evidence.ts). */
    trace: StoreTrace,
  ) {
    this.traceHeader = JSON.stringify(trace);
  }

  private readonly traceHeader: string;

  /** Reads the whole document. */
  async read(): Promise<StoreRead> {
    const response = await this.trip(() => this.stub.fetch({ method: "GET", headers: { [TRACE_HEADER]: this.traceHeader } }));
    const revision = Number(response.headers.get(REVISION_HEADER) ?? 0);
    if (response.status === 404) return { found: false, revision: 0 };
    if (!response.ok) throw new Error(`store read failed with ${response.status}`);
    const text = await response.text();
    const bytes = encoder.encode(text).byteLength + this.config.storePadBytes;
    await this.morePages(bytes);
    return { found: true, revision, text, bytes };
  }

  /**
   * Writes the whole document, which was built from the read at `basedOn`.
   * With `conditional` the store takes it only if nobody wrote since that read;
   * without, unconditionally (last writer wins). The base revision always goes
   * along as a tracing header, so the store can count writes that overwrote
   * writes their function never saw.
   */
  async write(text: string, basedOn: number, conditional: boolean): Promise<StoreWrite> {
    const bytes = encoder.encode(text).byteLength + this.config.storePadBytes;
    await this.morePages(bytes);
    const headers: Record<string, string> = { "content-type": "application/json", [BASED_ON_HEADER]: String(basedOn), [TRACE_HEADER]: this.traceHeader };
    if (conditional) headers["if-match"] = String(basedOn);
    const response = await this.trip(() => this.stub.fetch({ method: "PUT", body: text, headers }), Math.min(bytes, this.config.storeItemBytes));
    const { revision } = parseBody(StoreWriteAnswerSchema, await response.json(), `the store's answer to a write (${response.status})`);
    if (response.status === 412) return { stored: false, conflict: true, revision, bytes };
    if (!response.ok) throw new Error(`store write failed with ${response.status}`);
    return { stored: true, revision, bytes };
  }

  /**
   * One round trip: the request travels (with `bytesUp` on the link), the store
   * answers, the answer travels back (with its body's bytes, padding included
   * for a document, at most one item's worth).
   */
  private async trip(request: () => Promise<Response>, bytesUp = 0): Promise<Response> {
    await sleep(this.oneWayMs() + this.transferMs(bytesUp));
    const response = await request();
    // The body is part of the answer's journey: buffer it before the trip back.
    const body = await response.arrayBuffer();
    const buffered = new Response(body, { status: response.status, headers: response.headers });
    const down = body.byteLength > 0 && response.headers.get(REVISION_HEADER) !== null ? body.byteLength + this.config.storePadBytes : body.byteLength;
    await sleep(this.oneWayMs() + this.transferMs(Math.min(down, this.config.storeItemBytes)));
    return buffered;
  }

  /** The round trips of a document's pages after the one that carried the request: one per further item. */
  private async morePages(bytes: number): Promise<void> {
    const { storeItemBytes } = this.config;
    const pages = Math.max(1, Math.ceil(bytes / storeItemBytes));
    for (let page = 1; page < pages; page++) {
      const pageBytes = Math.min(storeItemBytes, bytes - page * storeItemBytes);
      await sleep(2 * this.oneWayMs() + this.transferMs(pageBytes));
    }
  }

  /** Time to put `bytes` on the link; none when no bandwidth is set. */
  private transferMs(bytes: number): number {
    const { storeBandwidthMbps } = this.config;
    return storeBandwidthMbps > 0 ? (bytes * 8) / (storeBandwidthMbps * 1_000) : 0;
  }

  private oneWayMs(): number {
    return this.config.storeLatencyMs + Math.random() * this.config.storeJitterMs;
  }
}
