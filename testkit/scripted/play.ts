/**
 * What every scripted player is made of: a protocol client that plays until a
 * time, sends numbered actions, waits for the room's answers (grab and wait,
 * take the hold back when told it was lost) and keeps a pace. The behaviours
 * (solve.ts, drag.ts, owner.ts, contend.ts) are built from these.
 */
import type { ProtocolClient, SentAction } from "../protocol-client.ts";

type Action = Parameters<ProtocolClient["act"]>[0];

/** How long a player waits for a grab's answer before giving up on that piece. */
const GRAB_ANSWER_TIMEOUT_MS = 5_000;
/** How long a player that must have an answer waits before failing the run. */
const ANSWER_TIMEOUT_MS = 30_000;

/** When play ends, on performance.now()'s clock; a run without a known end calls stop(). */
export class PlayTime {
  constructor(public endAtMs = Number.POSITIVE_INFINITY) {}

  get over(): boolean {
    return performance.now() >= this.endAtMs;
  }

  stop(): void {
    this.endAtMs = Math.min(this.endAtMs, performance.now());
  }
}

/** One scripted player: its client, when to stop, and who to tell about each action sent. */
export interface ScriptedPlayer {
  client: ProtocolClient;
  until: PlayTime;
  /** Called for every action sent (counters, fan-out tracking). */
  onSent?: (record: SentAction) => void;
}

/** Sends a numbered action and tells `onSent`. */
export function send(player: ScriptedPlayer, action: Action): SentAction {
  const record = player.client.act(action);
  player.onSent?.(record);
  return record;
}

/** The room acknowledged or rejected it. */
export function isAnswered(record: SentAction): boolean {
  return record.ackedAtMs !== undefined || record.rejected !== undefined;
}

/** The room refused an action because the player no longer holds the piece: its grab was lost or taken over. */
export function lostHold(record: SentAction): boolean {
  return record.rejected === "not-holding" || record.rejected === "held-by-other";
}

/**
 * Waits up to `timeoutMs` for the room's answer; false if none came. A closed
 * socket ends the wait at once: scripted players do not reconnect, so no answer
 * will come (and `partykit dev` closes every socket when it reloads).
 */
export async function answered(client: ProtocolClient, record: SentAction, timeoutMs: number): Promise<boolean> {
  try {
    await client.until(() => isAnswered(record) || client.closeEvents.length > 0, timeoutMs);
  } catch {
    // Timed out: the caller decides what no answer means.
  }
  return isAnswered(record);
}

/** Waits for the room's answer, and fails naming what the client saw if none comes. */
export async function answer(client: ProtocolClient, record: SentAction, timeoutMs = ANSWER_TIMEOUT_MS): Promise<SentAction> {
  if (await answered(client, record, timeoutMs)) return record;
  const seen = { closes: client.closeEvents, errors: client.errors, framesReceived: client.framesReceived };
  throw new Error(`${client.playerId} got no answer to ${JSON.stringify(record)}; it saw ${JSON.stringify(seen)}`);
}

/** Grabs `pieceId` and waits for the answer: true when granted; no answer in time counts as refused (a person would let go and try another piece). */
export async function grabbed(player: ScriptedPlayer, pieceId: number, timeoutMs = GRAB_ANSWER_TIMEOUT_MS): Promise<boolean> {
  const record = send(player, { type: "grab", pieceId });
  await answered(player.client, record, timeoutMs);
  return record.ackedAtMs !== undefined;
}

/** Grabs until the room grants it (or `deadlineMs` passes), `retryMs` apart: contention and lost holds both end in a retry. */
export async function takeHold(player: ScriptedPlayer, pieceId: number, deadlineMs: number, retryMs: number): Promise<void> {
  do {
    const record = await answer(player.client, send(player, { type: "grab", pieceId }));
    if (record.ackedAtMs !== undefined) return;
    await sleep(retryMs);
  } while (performance.now() < deadlineMs);
}

/** A steady rate: each tick() resolves one interval after the previous one, but a player that fell behind (busy machine) does not burst to catch up. */
export class Ticker {
  private readonly intervalMs: number;
  private nextMs = performance.now();

  constructor(rateHz: number) {
    this.intervalMs = 1000 / rateHz;
  }

  async tick(): Promise<void> {
    this.nextMs = Math.max(this.nextMs + this.intervalMs, performance.now());
    await sleepUntil(this.nextMs);
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves at `atMs` on performance.now()'s clock (at once if that has passed). */
export async function sleepUntil(atMs: number): Promise<void> {
  const delay = atMs - performance.now();
  if (delay > 0) await sleep(delay);
}
