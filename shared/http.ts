/**
 * The bodies of the rooms' HTTP answers, schemas first like the protocol: what
 * `GET /parties/<party>/<room>` (a summary; `?state=1` adds the snapshot) and a
 * picture upload return. The rooms and hubs build them, the client, the scripts
 * and the tests validate them with these.
 */
import * as v from "valibot";
import { ModeSchema, SnapshotSchema } from "./protocol.ts";

/** The stateless backends' settings, as read from partykit.json vars. */
export const StatelessConfigSchema = v.object({
  /** One-way network delay between a function and the store (the far-away region). */
  storeLatencyMs: v.number(),
  /** Extra one-way delay drawn uniformly from [0, jitter] per trip. */
  storeJitterMs: v.number(),
  /** How long a fresh function instance takes to boot before serving. */
  coldStartMs: v.number(),
  /** Share of invocations that land on a freshly booted instance (0..1). */
  coldStartRate: v.number(),
  /** Function instances the hub spreads invocations over. */
  fnPoolSize: v.number(),
  /** stateless-occ: how many times a conflicting write is retried before the action is rejected. */
  occMaxRetries: v.number(),
  /** stateless-occ: base of the exponential backoff between retries. */
  occBackoffMs: v.number(),
});
export type StatelessConfig = v.InferOutput<typeof StatelessConfigSchema>;

/** What the central store served. */
export const StoreCountersSchema = v.object({
  reads: v.number(),
  writes: v.number(),
  /** Conditional writes refused because the document changed since it was read. */
  conflicts: v.number(),
  /** Writes stored on top of a revision their writer never read: each put back an old copy of what the writes in between changed. */
  staleWrites: v.number(),
  /** Bytes of documents sent to readers. */
  bytesOut: v.number(),
  /** Bytes of documents received from writers, refused writes included. */
  bytesIn: v.number(),
});
export type StoreCounters = v.InferOutput<typeof StoreCountersSchema>;

/** What the hub's functions spent. */
export const FunctionCountersSchema = v.object({
  invocations: v.number(),
  coldStarts: v.number(),
  retries: v.number(),
  conflicts: v.number(),
  /** Actions rejected because every retry met a conflict (stateless-occ). */
  exhausted: v.number(),
  /** Invocations that failed outright (store unreachable, function crashed). */
  failures: v.number(),
  storeBytesRead: v.number(),
  storeBytesWritten: v.number(),
});
export type FunctionCounters = v.InferOutput<typeof FunctionCountersSchema>;

/** What a stateless hub's summary adds: the backend's settings and what it spent. */
export const StatelessBackendSchema = v.object({
  config: StatelessConfigSchema,
  store: v.object({ ...StoreCountersSchema.entries, revision: v.number(), documentBytes: v.number() }),
  functions: FunctionCountersSchema,
});
export type StatelessBackendSummary = v.InferOutput<typeof StatelessBackendSchema>;

/** What the boundary's guard (party/common/socket-guard.ts) did to this room's sockets since it started. */
export const GuardCountersSchema = v.object({
  /** Frames dropped for their socket's rate limit (each answered). */
  rateLimited: v.number(),
  /** Sockets closed for flooding (4003). */
  flooding: v.number(),
  /** Sockets closed for not reading: a heartbeat unanswered, or too much sent unread (4004). */
  notReading: v.number(),
  /** Sockets closed without a hello in time, or pushed out by newer ones waiting (4005). */
  helloTimeouts: v.number(),
  /** Sockets refused because their address had as many open as it may (4007). */
  tooManySockets: v.number(),
});
export type GuardCounters = v.InferOutput<typeof GuardCountersSchema>;

/** GET /parties/<party>/<room>: the same fields in every mode; `backend` in the stateless ones. */
export const RoomSummarySchema = v.object({
  mode: ModeSchema,
  created: v.boolean(),
  pieces: v.number(),
  /** Pieces locked on the board. */
  placed: v.number(),
  players: v.number(),
  connected: v.number(),
  actionsApplied: v.number(),
  actionsRejected: v.number(),
  version: v.number(),
  completedAtMs: v.nullable(v.number()),
  /** Whether the room's pieces turn (its puzzle's `rotation` option); false before a puzzle exists. */
  rotation: v.boolean(),
  backend: v.optional(StatelessBackendSchema),
  /** What the limits did here (with `?limits=1`). */
  guard: v.optional(GuardCountersSchema),
  /** Pieces every stateful room of this server process holds in memory (with `?limits=1`, stateful rooms only). */
  loadedPieces: v.optional(v.number()),
});
export type RoomSummary = v.InferOutput<typeof RoomSummarySchema>;

/** GET /parties/<party>/<room>?state=1: the summary and the authoritative (or stored) snapshot. */
export const RoomStateSchema = v.object({ ...RoomSummarySchema.entries, snapshot: v.nullable(SnapshotSchema) });
export type RoomState = v.InferOutput<typeof RoomStateSchema>;

/** POST /parties/main/<room>/image, when the picture was stored: its id and its real size, read from its header. */
export const UploadResultSchema = v.object({ imageId: v.string(), bytes: v.number(), width: v.number(), height: v.number() });
export type UploadResult = v.InferOutput<typeof UploadResultSchema>;

/** Every refusal over HTTP: a sentence to show. */
export const ErrorBodySchema = v.object({ error: v.string() });
export type ErrorBody = v.InferOutput<typeof ErrorBodySchema>;

/** Validates a body fetched from a room; throws naming what was wrong. */
export function parseBody<T extends v.GenericSchema>(schema: T, body: unknown, what: string): v.InferOutput<T> {
  const result = v.safeParse(schema, body);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue?.path?.map((item) => String(item.key)).join(".");
  throw new Error(`${what}: ${path ? `${path}: ` : ""}${issue?.message ?? "unexpected body"}`);
}
