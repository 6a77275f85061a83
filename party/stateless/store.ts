/**
 * The central store: one document per room in "one far-away region", like the
 * NoSQL table of the case study. It stores opaque text and knows nothing about
 * puzzles. Writes are last-writer-wins unless the writer sends `if-match` with
 * the revision it read (compare-and-set), which is all the optimistic mode adds.
 *
 * Only the functions and hubs reach it (party-to-party fetch); requests from
 * outside are refused. It counts the traffic it serves, because bytes per move
 * are one of the figures this project exists to show.
 *
 *   GET            -> 200 document text, header x-revision; 404 when empty
 *   PUT [if-match] -> 200 {revision}; 412 {revision} when if-match is stale
 *                     (x-based-on-revision, if sent, only feeds the staleWrites counter)
 *   GET ?stats=1   -> StoreStats (for the hub's summary; not counted as traffic)
 *   GET ?evidence=1 -> StoreEvidence: the latest overwrites, explained (evidence.ts)
 *
 * x-based-on-revision and x-trace (StoreTraceSchema, JSON) are tracing: they
 * feed the counters and the evidence, never what is stored or answered.
 */
import type * as Party from "partykit/server";
import * as v from "valibot";
import { StoreCountersSchema, StoreTraceSchema, type ErrorBody, type StoreCounters, type StoreEvidence, type StoreTrace } from "../../shared/http.ts";
import { WriteEvidence } from "./evidence.ts";

export const REVISION_HEADER = "x-revision";
/** Tracing only: the revision the writer read before building what it writes. */
export const BASED_ON_HEADER = "x-based-on-revision";
/** Tracing only: which invocation sends the request, for which action (StoreTraceSchema as JSON). */
export const TRACE_HEADER = "x-trace";

/** GET ?stats=1: what the store served, its revision and the document itself. */
export const StoreStatsSchema = v.object({
  counters: StoreCountersSchema,
  revision: v.number(),
  /** Size of the stored document in bytes. */
  documentBytes: v.number(),
  document: v.nullable(v.string()),
});
export type StoreStats = v.InferOutput<typeof StoreStatsSchema>;

/** PUT: the revision now stored (200), or the one that made an if-match stale (412). */
export const StoreWriteAnswerSchema = v.object({ revision: v.number() });
export type StoreWriteAnswer = v.InferOutput<typeof StoreWriteAnswerSchema>;

/** Durable storage values must stay under 128 KiB; the document is split below that. */
const CHUNK_CHARS = 100_000;
const encoder = new TextEncoder();

export default class Store implements Party.Server {
  static options = { hibernate: false };

  private document: string | null = null;
  private revision = 0;
  private readonly counters: StoreCounters = { reads: 0, writes: 0, conflicts: 0, staleWrites: 0, bytesOut: 0, bytesIn: 0 };
  private readonly evidence = new WriteEvidence();

  constructor(readonly room: Party.Room) {}

  /** The store is a backend service: nothing outside the project may call it. */
  static onBeforeRequest(): Response {
    return Response.json({ error: "the store is internal to the stateless backend" } satisfies ErrorBody, { status: 403 });
  }

  static onBeforeConnect(): Response {
    return new Response("the store does not accept WebSocket connections", { status: 403 });
  }

  async onStart(): Promise<void> {
    const stored = await this.room.storage.get<number>(["revision", "chunks"]);
    const revision = stored.get("revision");
    const chunks = stored.get("chunks");
    if (revision === undefined || chunks === undefined) return;
    const keys = Array.from({ length: chunks }, (_, index) => `doc:${index}`);
    const parts = await this.room.storage.get<string>(keys);
    this.document = keys.map((key) => parts.get(key) ?? "").join("");
    this.revision = revision;
  }

  async onRequest(request: Party.Request): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "GET" && url.searchParams.get("stats") === "1") return Response.json(this.stats());
    if (request.method === "GET" && url.searchParams.get("evidence") === "1") return Response.json(this.evidence.evidence() satisfies StoreEvidence);
    const trace = traceOf(request.headers.get(TRACE_HEADER));
    if (request.method === "GET") return this.read(trace);
    if (request.method === "PUT") return this.write(await request.text(), request.headers.get("if-match"), request.headers.get(BASED_ON_HEADER), trace);
    return Response.json({ error: `${request.method} is not supported by the store` } satisfies ErrorBody, { status: 405 });
  }

  private read(trace: StoreTrace | null): Response {
    this.counters.reads++;
    this.evidence.read(trace, this.revision, Date.now());
    if (this.document === null) return new Response(null, { status: 404, headers: { [REVISION_HEADER]: "0" } });
    this.counters.bytesOut += encoder.encode(this.document).byteLength;
    return new Response(this.document, { headers: { "content-type": "application/json", [REVISION_HEADER]: String(this.revision) } });
  }

  private write(body: string, ifMatch: string | null, basedOn: string | null, trace: StoreTrace | null): Response {
    this.counters.bytesIn += encoder.encode(body).byteLength;
    if (ifMatch !== null && Number(ifMatch) !== this.revision) {
      this.counters.conflicts++;
      return Response.json({ revision: this.revision } satisfies StoreWriteAnswer, { status: 412 });
    }
    this.counters.writes++;
    if (basedOn !== null && Number(basedOn) < this.revision) this.counters.staleWrites++;
    this.document = body;
    this.revision++;
    this.evidence.wrote(trace, basedOn === null ? null : Number(basedOn), this.revision, Date.now());
    this.persist();
    return Response.json({ revision: this.revision } satisfies StoreWriteAnswer);
  }

  /**
   * Not awaited on purpose: Durable Object storage holds the response until the
   * write is durable, so a writer never hears "stored" for a write it could lose.
   */
  private persist(): void {
    const document = this.document!;
    const entries: Record<string, unknown> = { revision: this.revision };
    let chunks = 0;
    for (let start = 0; start < document.length; start += CHUNK_CHARS) entries[`doc:${chunks++}`] = document.slice(start, start + CHUNK_CHARS);
    entries.chunks = chunks;
    void this.room.storage.put(entries);
  }

  private stats(): StoreStats {
    return {
      counters: { ...this.counters },
      revision: this.revision,
      documentBytes: this.document === null ? 0 : encoder.encode(this.document).byteLength,
      document: this.document,
    };
  }
}

/** A tracing header that does not parse is no trace: tracing never refuses a request. */
function traceOf(header: string | null): StoreTrace | null {
  if (header === null) return null;
  try {
    const parsed = v.safeParse(StoreTraceSchema, JSON.parse(header));
    return parsed.success ? parsed.output : null;
  } catch {
    return null;
  }
}
