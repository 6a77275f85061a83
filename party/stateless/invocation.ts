/**
 * What the hub sends a stateless function and what comes back: one request per
 * player action (or join/leave), answered once the function has read the store,
 * applied the rules and written the store.
 */
import * as v from "valibot";
import { DropSchema, GrabSchema, MoveSchema } from "../../shared/protocol.ts";
import { PuzzleOptionsSchema } from "../../shared/puzzle-spec.ts";
import type { RejectReason } from "../../shared/rules.ts";
import type { StatelessConfig } from "./config.ts";
import type { StoreCounters } from "./store.ts";

const StatelessModeSchema = v.picklist(["stateless", "stateless-occ"]);
export type StatelessMode = v.InferOutput<typeof StatelessModeSchema>;

const PlayerIdSchema = v.pipe(v.string(), v.minLength(1), v.maxLength(64));

export const InvocationSchema = v.object({
  mode: StatelessModeSchema,
  /** The store document (one per room and mode). */
  documentId: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  operation: v.variant("kind", [
    /** Read the puzzle for a joining player; create it from `create` when the store has none. */
    v.object({ kind: v.literal("load"), create: v.optional(PuzzleOptionsSchema) }),
    v.object({ kind: v.literal("act"), playerId: PlayerIdSchema, action: v.variant("type", [GrabSchema, MoveSchema, DropSchema]) }),
    /** A player left: release whatever it held. */
    v.object({ kind: v.literal("release"), playerId: PlayerIdSchema }),
  ]),
});
export type Invocation = v.InferOutput<typeof InvocationSchema>;

/** What one invocation cost, for the hub's counters. */
export interface InvocationMetrics {
  coldStart: boolean;
  /** Read-modify-write rounds: 1, plus one per retry after a conflict. */
  attempts: number;
  /** Writes the store refused because someone wrote in between (stateless-occ only). */
  conflicts: number;
  storeBytesRead: number;
  storeBytesWritten: number;
  /** Wall time inside the function, boot included. */
  durationMs: number;
}

export type InvocationOutcome =
  /** The stored document as read (or just created), for the hub to build a welcome from. */
  | { kind: "loaded"; document: string }
  | { kind: "missing" }
  | {
      kind: "applied";
      version: number;
      pieces: Array<[number, number, number, number, 0 | 1]>;
      holds: Array<[number, string | null, number]>;
      /** The acting player's placed count when this action placed pieces. */
      placed: number | null;
      completedAtMs: number | null;
    }
  | { kind: "rejected"; reason: RejectReason }
  | { kind: "unchanged" };

export interface InvocationResult {
  outcome: InvocationOutcome;
  metrics: InvocationMetrics;
}

/** The hub's view of the backend for its summary. */
export interface FunctionCounters {
  invocations: number;
  coldStarts: number;
  retries: number;
  conflicts: number;
  /** Actions rejected because every retry met a conflict (stateless-occ). */
  exhausted: number;
  /** Invocations that failed outright (store unreachable, function crashed). */
  failures: number;
  storeBytesRead: number;
  storeBytesWritten: number;
}

/** What GET /parties/<stateless|stateless-occ>/<room> adds to the room summary. */
export interface StatelessBackendSummary {
  config: StatelessConfig;
  store: StoreCounters & { revision: number; documentBytes: number };
  functions: FunctionCounters;
}
