/**
 * The bodies of the rooms' HTTP answers, schemas first like the protocol: what
 * `GET /parties/<party>/<room>` (a summary; `?state=1` adds the snapshot) and a
 * picture upload return. The rooms and hubs build them, the client, the scripts
 * and the tests validate them with these.
 */
import * as v from "valibot";
import { ModeSchema, PlayerSchema, SnapshotSchema } from "./protocol.ts";
import { PuzzleSpecSchema } from "./puzzle-spec.ts";
import { LogChunkSchema } from "./action-log.ts";
import { LogCheckpointSchema } from "./log-checkpoint.ts";

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
  /** Store link bandwidth in Mbit/s: each trip also takes its bytes' transfer time; 0 leaves size out of the trip time. */
  storeBandwidthMbps: v.number(),
  /** Largest item the store keeps (DynamoDB: 400 KB): a larger document is split, and read and written a page (one round trip) per item. */
  storeItemBytes: v.number(),
  /** Bytes each trip carries beyond the puzzle document, modelling the rest of the case study's ~4 MB state (see store-client.ts). */
  storePadBytes: v.number(),
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

/**
 * The tracing header a stateless function sends with each store request
 * (JSON): its invocation and, for a player's action, which one. Tracing only.
 */
export const StoreTraceSchema = v.object({
  invocation: v.pipe(v.string(), v.minLength(1), v.maxLength(64)),
  playerId: v.optional(v.pipe(v.string(), v.maxLength(64))),
  seq: v.optional(v.number()),
  action: v.optional(v.picklist(["grab", "move", "drop", "rotate", "release", "load"])),
  pieceId: v.optional(v.number()),
});
export type StoreTrace = v.InferOutput<typeof StoreTraceSchema>;

/** One stored write as the store's trace has it. */
export const TracedWriteSchema = v.object({
  /** The revision this write made. */
  revision: v.number(),
  /** The revision its writer read before building it (null when the writer did not say). */
  basedOn: v.nullable(v.number()),
  /** When the store served that read (null when no traced read of it is known). */
  readAtMs: v.nullable(v.number()),
  writtenAtMs: v.number(),
  trace: v.nullable(StoreTraceSchema),
});
export type TracedWrite = v.InferOutput<typeof TracedWriteSchema>;

/** A write stored on top of revisions its writer never read, and the writes it erased by that. */
export const OverwriteEvidenceSchema = v.object({
  erasing: TracedWriteSchema,
  /** The writes after `erasing.basedOn` (as far as the store still remembers them), oldest first. */
  erased: v.array(TracedWriteSchema),
  /** How many revisions the erasing write went back: its revision - 1 - its base. */
  revisionsBehind: v.number(),
});
export type OverwriteEvidence = v.InferOutput<typeof OverwriteEvidenceSchema>;

/** Buckets of the revisions-behind histogram: 1, 2, ... and the last for that many or more. */
export const BEHIND_BUCKETS = 8;

/** GET /parties/<stateless party>/<room>?evidence=1: the store's latest overwrites, explained. */
export const StoreEvidenceSchema = v.object({
  /** The latest overwrites (a bounded ring), oldest first. */
  overwrites: v.array(OverwriteEvidenceSchema),
  /** Every overwrite since the store started, counted by revisions behind (index 0: 1 behind; the last: BEHIND_BUCKETS or more). */
  revisionsBehind: v.pipe(v.array(v.number()), v.length(BEHIND_BUCKETS)),
});
export type StoreEvidence = v.InferOutput<typeof StoreEvidenceSchema>;

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
  /** Connections watching (issue 11; the stateless modes have none and leave it out). */
  watchers: v.optional(v.number()),
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
/** A room state as a server sends it: its snapshot's pieces packed. */
export type WireRoomState = v.InferInput<typeof RoomStateSchema>;
export type RoomState = v.InferOutput<typeof RoomStateSchema>;

/** POST /parties/main/<room>/image, when the picture was stored: its id and its real size, read from its header. */
export const UploadResultSchema = v.object({ imageId: v.string(), bytes: v.number(), width: v.number(), height: v.number() });
export type UploadResult = v.InferOutput<typeof UploadResultSchema>;

const Index = v.pipe(v.number(), v.integer(), v.minValue(0));

/** GET /parties/main/<room>/log?from=<index>: which entries to start from (default: the first the log holds). */
export const LogQuerySchema = v.object({
  from: v.optional(v.pipe(v.string(), v.regex(/^\d{1,15}$/, "from must be an entry index: a whole number, 0 or more"), v.transform(Number))),
});
export type LogQuery = v.InferOutput<typeof LogQuerySchema>;

/**
 * A page of a room's action log (shared/action-log.ts) and what a replay needs
 * besides. `chunks` are whole: the first may start before `from`, and a reader
 * skips the entries it has. `checkpoint` is the state at `first` when the log
 * does not go back to the seeded start (it comes with the page that starts
 * there); `next` is where the following page starts, null when this one
 * reaches the last entry stored.
 */
export const LogPageSchema = v.object({
  spec: PuzzleSpecSchema,
  startedAtMs: v.number(),
  completedAtMs: v.nullable(v.number()),
  players: v.array(PlayerSchema),
  first: Index,
  total: Index,
  checkpoint: v.nullable(LogCheckpointSchema),
  chunks: v.array(LogChunkSchema),
  next: v.nullable(Index),
});
export type LogPage = v.InferOutput<typeof LogPageSchema>;

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
