/**
 * The body of the stateless function, as the case study's team wrote it: read
 * the whole puzzle from the store, apply the player's action with the shared
 * rules, write the whole puzzle back, return what changed.
 *
 * In `stateless` the write is unconditional. Two functions that read the same
 * document and write it back both "succeed", and whichever write lands second
 * silently erases the first one's change. Nothing here drops or delays anything
 * on purpose; the window is simply the time between a read and its write.
 *
 * In `stateless-occ` the write carries the revision it read; the store refuses
 * it if someone wrote in between, and the function reads again and retries,
 * up to a bound, with exponential backoff and jitter.
 */
import { createPuzzle } from "../../shared/puzzle-state.ts";
import { applyAction, expireLeases, releasePlayer, type RuleResult } from "../../shared/rules.ts";
import type { StatelessConfig } from "./config.ts";
import { wireHold, wirePieceChange } from "../../shared/replica.ts";
import { decodeDocument, encodeDocument, type PuzzleDocument } from "./document.ts";
import type { Invocation, InvocationMetrics, InvocationOutcome } from "./invocation.ts";
import { sleep, type StoreClient } from "./store-client.ts";

/** What the function may take from its runtime; passed in so the logic reads no globals. */
export interface FunctionRuntime {
  store: Pick<StoreClient, "read" | "write">;
  now(): number;
  config: Pick<StatelessConfig, "occMaxRetries" | "occBackoffMs">;
}

/** Runs one invocation; `metrics` is filled in as the store is used. */
export async function readModifyWrite(invocation: Invocation, runtime: FunctionRuntime, metrics: InvocationMetrics): Promise<InvocationOutcome> {
  const { operation, mode } = invocation;
  const conditional = mode === "stateless-occ";
  for (;;) {
    metrics.attempts++;
    const read = await runtime.store.read();
    if (read.found) metrics.storeBytesRead += read.bytes;

    if (operation.kind === "load") {
      if (read.found) return { kind: "loaded", document: read.text };
      if (!operation.create) return { kind: "missing" };
      const text = encodeDocument({ state: createPuzzle(operation.create), startedAtMs: runtime.now() });
      const written = await runtime.store.write(text, read.revision, conditional);
      metrics.storeBytesWritten += written.bytes;
      if (!written.stored) {
        // Someone else created it first: read again and join theirs.
        metrics.conflicts++;
        continue;
      }
      return { kind: "loaded", document: text };
    }

    if (!read.found) return { kind: "missing" };
    const document = decodeDocument(read.text);
    const now = runtime.now();
    const expired = expireLeases(document.state, now);
    const mutation = mutate(document, invocation, now);
    if (!mutation.ok) return { kind: "rejected", reason: mutation.reason };
    // Actions always write: even a move that changes no position renews the lease.
    if (operation.kind === "release" && mutation.changedHolds.length === 0 && expired.length === 0) return { kind: "unchanged" };

    const written = await runtime.store.write(encodeDocument(document), read.revision, conditional);
    metrics.storeBytesWritten += written.bytes;
    if (written.stored) return applied(document, mutation, [...expired, ...mutation.changedHolds], invocation);

    metrics.conflicts++;
    if (metrics.attempts > runtime.config.occMaxRetries) return { kind: "rejected", reason: "conflict" };
    await sleep(backoffMs(runtime.config.occBackoffMs, metrics.attempts));
  }
}

function mutate(document: PuzzleDocument, invocation: Invocation, now: number): RuleResult {
  const { state } = document;
  const { operation } = invocation;
  switch (operation.kind) {
    case "act":
      return applyAction(state, operation.playerId, operation.action, now);
    case "release":
      return { ok: true, changedPieces: [], changedHolds: releasePlayer(state, operation.playerId), placed: 0, completed: false };
    case "load":
      throw new Error("load does not mutate");
    default: {
      const unreachable: never = operation;
      return unreachable;
    }
  }
}

function applied(document: PuzzleDocument, mutation: RuleResult & { ok: true }, changedHolds: number[], invocation: Invocation): InvocationOutcome {
  const { state } = document;
  const playerId = invocation.operation.kind === "act" ? invocation.operation.playerId : null;
  return {
    kind: "applied",
    version: state.version,
    pieces: mutation.changedPieces.map((id) => wirePieceChange(state, id)),
    holds: [...new Set(changedHolds)].map((group) => wireHold(state, group)),
    placed: mutation.placed > 0 && playerId !== null ? (state.placedBy.get(playerId) ?? 0) : null,
    completedAtMs: mutation.completed ? state.completedAtMs : null,
  };
}

/** Exponential backoff with full jitter, so retrying functions do not collide again in lockstep. */
function backoffMs(baseMs: number, attempt: number): number {
  return Math.random() * baseMs * 2 ** (attempt - 1);
}
