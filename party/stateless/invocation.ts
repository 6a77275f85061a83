/**
 * What the hub sends a stateless function and what comes back: one request per
 * player action (or join/leave), answered once the function has read the store,
 * applied the rules and written the store. Schemas first: the function checks
 * each invocation and the hub each result, since both cross a network boundary.
 */
import * as v from "valibot";
import { ActionMessageSchema, REJECT_REASONS, WireHoldSchema, WirePieceChangeSchema } from "../../shared/protocol.ts";
import { PuzzleOptionsSchema } from "../../shared/puzzle-spec.ts";
import { ROOM_ID_PATTERN } from "../../shared/room-id.ts";
import type { StoreTrace } from "../../shared/http.ts";

const DOCUMENT_ID_PATTERN = new RegExp(`^[a-z_]{1,32}\\.${ROOM_ID_PATTERN.source.slice(1)}`);

const StatelessModeSchema = v.picklist(["stateless", "stateless-occ"]);
export type StatelessMode = v.InferOutput<typeof StatelessModeSchema>;

const PlayerIdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(64));

export const InvocationSchema = v.object({
  mode: StatelessModeSchema,
  /** The store document (one per room and mode): `<party>.<room id>`, for every valid room id. */
  documentId: v.pipe(v.string(), v.regex(DOCUMENT_ID_PATTERN, "documentId must be <party>.<room id>")),
  operation: v.variant("kind", [
    /** Read the puzzle for a joining player; create it from `create` when the store has none. */
    v.object({ kind: v.literal("load"), create: v.optional(PuzzleOptionsSchema) }),
    v.object({ kind: v.literal("act"), playerId: PlayerIdSchema, action: ActionMessageSchema }),
    /** A player left: release whatever it held. */
    v.object({ kind: v.literal("release"), playerId: PlayerIdSchema }),
  ]),
});
export type Invocation = v.InferOutput<typeof InvocationSchema>;

/** What one invocation cost, for the hub's counters. */
export const InvocationMetricsSchema = v.object({
  coldStart: v.boolean(),
  /** Read-modify-write rounds: 1, plus one per retry after a conflict. */
  attempts: v.number(),
  /** Writes the store refused because someone wrote in between (stateless-occ only). */
  conflicts: v.number(),
  storeBytesRead: v.number(),
  storeBytesWritten: v.number(),
  /** Wall time inside the function, boot included. */
  durationMs: v.number(),
});
export type InvocationMetrics = v.InferOutput<typeof InvocationMetricsSchema>;

export const InvocationOutcomeSchema = v.variant("kind", [
  /** The stored document as read (or just created), for the hub to build a welcome from. */
  v.object({ kind: v.literal("loaded"), document: v.string() }),
  v.object({ kind: v.literal("missing") }),
  v.object({
    kind: v.literal("applied"),
    version: v.number(),
    pieces: v.array(WirePieceChangeSchema),
    holds: v.array(WireHoldSchema),
    /** The acting player's placed count when this action placed pieces. */
    placed: v.nullable(v.number()),
    completedAtMs: v.nullable(v.number()),
  }),
  v.object({ kind: v.literal("rejected"), reason: v.picklist(REJECT_REASONS) }),
  v.object({ kind: v.literal("unchanged") }),
]);
export type InvocationOutcome = v.InferOutput<typeof InvocationOutcomeSchema>;

/** The function's answer to the hub: what happened and what it cost. */
export const InvocationResultSchema = v.object({ outcome: InvocationOutcomeSchema, metrics: InvocationMetricsSchema });
export type InvocationResult = v.InferOutput<typeof InvocationResultSchema>;

/** An invocation's trace for the store (evidence.ts): its id, and the player's action it runs, if any. */
export function traceOf(invocation: Invocation, id: string): StoreTrace {
  const { operation } = invocation;
  if (operation.kind === "act") return { invocation: id, action: operation.action.type, playerId: operation.playerId, seq: operation.action.seq, pieceId: operation.action.pieceId };
  if (operation.kind === "release") return { invocation: id, action: "release", playerId: operation.playerId };
  return { invocation: id, action: "load" };
}

/** The hub's view of the backend for its summary (GET /parties/<stateless|stateless-occ>/<room>). */
export type { FunctionCounters, StatelessBackendSummary } from "../../shared/http.ts";
