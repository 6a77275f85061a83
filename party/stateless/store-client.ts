/**
 * A function's connection to the central store in another region. Locally every
 * party runs in one process, so the distance is modelled: each trip waits the
 * configured one-way latency plus jitter, on the way there and on the way back,
 * exactly where a real network would spend it. The store acts when a request
 * arrives, so what a read sees is the document as it was one trip ago by the
 * time the function gets it: the window every naive read-modify-write has.
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
    private readonly config: Pick<StatelessConfig, "storeLatencyMs" | "storeJitterMs">,
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
    return { found: true, revision, text, bytes: encoder.encode(text).byteLength };
  }

  /**
   * Writes the whole document, which was built from the read at `basedOn`.
   * With `conditional` the store takes it only if nobody wrote since that read;
   * without, unconditionally (last writer wins). The base revision always goes
   * along as a tracing header, so the store can count writes that overwrote
   * writes their function never saw.
   */
  async write(text: string, basedOn: number, conditional: boolean): Promise<StoreWrite> {
    const bytes = encoder.encode(text).byteLength;
    const headers: Record<string, string> = { "content-type": "application/json", [BASED_ON_HEADER]: String(basedOn), [TRACE_HEADER]: this.traceHeader };
    if (conditional) headers["if-match"] = String(basedOn);
    const response = await this.trip(() => this.stub.fetch({ method: "PUT", body: text, headers }));
    const { revision } = parseBody(StoreWriteAnswerSchema, await response.json(), `the store's answer to a write (${response.status})`);
    if (response.status === 412) return { stored: false, conflict: true, revision, bytes };
    if (!response.ok) throw new Error(`store write failed with ${response.status}`);
    return { stored: true, revision, bytes };
  }

  /** One round trip: the request travels, the store answers, the answer travels back. */
  private async trip(request: () => Promise<Response>): Promise<Response> {
    await sleep(this.oneWayMs());
    const response = await request();
    // The body is part of the answer's journey: buffer it before the trip back.
    const buffered = new Response(await response.arrayBuffer(), { status: response.status, headers: response.headers });
    await sleep(this.oneWayMs());
    return buffered;
  }

  private oneWayMs(): number {
    return this.config.storeLatencyMs + Math.random() * this.config.storeJitterMs;
  }
}
