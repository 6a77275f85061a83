/**
 * A scripted concurrent workload for comparing the modes in one room: OWNERS
 * players each drag their own piece along a circle at 20 Hz and drop it, while
 * CONTENDERS more players keep trying to take pieces from them. It judges the
 * outcome the way the load script does (lost-moves.ts against the final stored
 * state, desync of every replica against it) so a test can assert on measured
 * loss, and prints nothing itself.
 */
import { ProtocolClient, type SentAction } from "../../testkit/protocol-client.ts";
import { judgeLostMoves, placementsOf, type AckOrder, type LostMoveVerdict } from "../../testkit/lost-moves.ts";
import { httpBaseOf, roomUrl } from "./server-target.ts";
import { desyncedPieces } from "./load-engine.ts";
import { distribution, type Distribution } from "../../testkit/stats.ts";
import { createPrng } from "../../shared/prng.ts";
import type { PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { PARTY_FOR_MODE, type Mode, type Snapshot } from "../../shared/protocol.ts";
import type { StatelessBackendSummary } from "../../party/stateless/invocation.ts";

export interface ModesWorkloadOptions {
  /** host:port of a running partykit dev (or a deployed host). */
  host: string;
  mode: Mode;
  /** Players that each own one piece and drag it; default 16. */
  owners?: number;
  /** Players that try to take owned pieces; default 2. */
  contenders?: number;
  /** How long the owners drag; default 3,000 ms. */
  dragMs?: number;
  create?: PuzzleOptions;
}

export interface ModesWorkloadResult {
  mode: Mode;
  verdict: LostMoveVerdict;
  /** Pieces where each client's replica differs from the final stored state. */
  desyncPerClient: number[];
  /** The server's GET ?state=1; `backend` only in the stateless modes. */
  summary: Record<string, unknown> & { snapshot: Snapshot; backend?: StatelessBackendSummary };
  sent: number;
  acked: number;
  rejected: number;
  rejectReasons: Record<string, number>;
  ackLatencyMs: Distribution;
  /** Bytes both ways on every client's socket, per acknowledged action. */
  wireBytesPerAck: number;
  /** Bytes to and from the store, per acknowledged action (0 for the stateful room). */
  storeBytesPerAck: number;
}

const MOVE_INTERVAL_MS = 50;
const CONTEND_INTERVAL_MS = 250;
/** Radius of the circle each owner drags its piece along, in table px. */
const DRAG_RADIUS_PX = 60;
/** Time for frames already sent to arrive once every action is answered. */
const PUSH_GRACE_MS = 300;
const ANSWER_TIMEOUT_MS = 30_000;
/** Owners hold every sixth piece, so owned pieces are rarely neighbours. */
const OWNED_PIECE_STRIDE = 6;
/** 100 pieces: small enough to start fast, big enough that the whole document is a few KB. */
const DEFAULT_CREATE: PuzzleOptions = { imageId: "modes", imageWidth: 800, imageHeight: 800, pieceCount: 100, seed: 7 };

/** Runs the workload in a fresh room of `options.mode` and judges the result. */
export async function runModesWorkload(options: ModesWorkloadOptions): Promise<ModesWorkloadResult> {
  const { host, mode } = options;
  const ownerCount = options.owners ?? 16;
  const contenderCount = options.contenders ?? 2;
  const dragMs = options.dragMs ?? 3_000;
  const party = PARTY_FOR_MODE[mode];
  const room = `modes-${mode}-${Date.now()}`;
  const first = await ProtocolClient.join({ host, room, party, name: "owner-0", create: options.create ?? DEFAULT_CREATE });
  const others = await Promise.all(
    Array.from({ length: ownerCount + contenderCount - 1 }, (_, index) =>
      ProtocolClient.join({ host, room, party, name: index + 1 < ownerCount ? `owner-${index + 1}` : `contender-${index + 1 - ownerCount}` }),
    ),
  );
  const clients = [first, ...others];
  try {
    const owners = clients.slice(0, ownerCount);
    const ownedPieces = owners.map((_, index) => (index * OWNED_PIECE_STRIDE) % first.replica!.puzzle.pieces.length);
    const deadlineMs = performance.now() + dragMs;
    await Promise.all([
      ...owners.map((client, index) => drag(client, ownedPieces[index]!, deadlineMs)),
      ...clients.slice(ownerCount).map((client, index) => contend(client, ownedPieces, deadlineMs, index + 1)),
    ]);
    await Promise.all(clients.map((client) => client.settled(60_000)));
    await sleep(PUSH_GRACE_MS);

    const response = await fetch(roomUrl(httpBaseOf(host), party, room, true));
    if (!response.ok) throw new Error(`summary of ${room} answered ${response.status}`);
    const summary = (await response.json()) as ModesWorkloadResult["summary"];
    return judge(mode, clients, summary);
  } finally {
    for (const client of clients) client.close();
  }
}

function judge(mode: Mode, clients: ProtocolClient[], summary: ModesWorkloadResult["summary"]): ModesWorkloadResult {
  // Stateless acks carry versions that may repeat or go backwards: only arrival order is left.
  const order: AckOrder = mode === "stateless" ? "ack-time" : "version";
  const records = clients.flatMap((client) => [...client.sent.values()]);
  const acked = records.filter((record) => record.ackedAtMs !== undefined);
  const rejectReasons: Record<string, number> = {};
  for (const record of records) if (record.rejected) rejectReasons[record.rejected] = (rejectReasons[record.rejected] ?? 0) + 1;
  const wireBytes = clients.reduce((total, client) => total + client.bytesSent + client.bytesReceived, 0);
  const store = summary.backend?.store;
  return {
    mode,
    verdict: judgeLostMoves(placementsOf(clients), summary.snapshot, order),
    desyncPerClient: clients.map((client) => desyncedPieces(client, summary.snapshot)),
    summary,
    sent: records.length,
    acked: acked.length,
    rejected: records.filter((record) => record.rejected !== undefined).length,
    rejectReasons,
    ackLatencyMs: distribution(acked.map((record) => record.ackedAtMs! - record.sentAtMs)),
    wireBytesPerAck: acked.length ? wireBytes / acked.length : Number.NaN,
    storeBytesPerAck: store && acked.length ? (store.bytesIn + store.bytesOut) / acked.length : 0,
  };
}

/** An owner: grab its piece, drag it along a circle at 20 Hz, drop it; take it back whenever the server says it lost it. */
async function drag(client: ProtocolClient, pieceId: number, deadlineMs: number): Promise<void> {
  await takeHold(client, pieceId, deadlineMs);
  const { spec, pieces } = client.replica!.puzzle;
  const start = pieces[pieceId]!;
  const centerX = clamp(start.x, DRAG_RADIUS_PX + 1, spec.tableWidth - spec.pieceWidth - DRAG_RADIUS_PX - 1);
  const centerY = clamp(start.y, DRAG_RADIUS_PX + 1, spec.tableHeight - spec.pieceHeight - DRAG_RADIUS_PX - 1);
  const at = (step: number) => ({
    x: Math.round(centerX + DRAG_RADIUS_PX * Math.cos(step / 10)),
    y: Math.round(centerY + DRAG_RADIUS_PX * Math.sin(step / 10)),
  });
  let step = 0;
  let sinceHold: SentAction[] = [];
  while (performance.now() < deadlineMs) {
    sinceHold.push(client.act({ type: "move", pieceId, ...at(step++) }));
    await sleep(MOVE_INTERVAL_MS);
    if (sinceHold.some((record) => record.rejected === "not-holding" || record.rejected === "held-by-other")) {
      await takeHold(client, pieceId, deadlineMs);
      sinceHold = [];
    }
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const dropped = await answer(client, client.act({ type: "drop", pieceId, ...at(step) }));
    if (dropped.ackedAtMs !== undefined) return;
    if (dropped.rejected === "not-holding" || dropped.rejected === "held-by-other") await takeHold(client, pieceId, Number.POSITIVE_INFINITY);
  }
}

/** A contender: every quarter second, try to take someone's piece; if granted, nudge it and let go. */
async function contend(client: ProtocolClient, pieces: number[], deadlineMs: number, seed: number): Promise<void> {
  const prng = createPrng(seed);
  while (performance.now() < deadlineMs - 500) {
    await sleep(CONTEND_INTERVAL_MS);
    const pieceId = pieces[Math.floor(prng() * pieces.length)]!;
    const grabbed = await answer(client, client.act({ type: "grab", pieceId }));
    if (grabbed.ackedAtMs === undefined) continue;
    const piece = client.replica!.puzzle.pieces[pieceId]!;
    for (let nudge = 1; nudge <= 3; nudge++) {
      client.act({ type: "move", pieceId, x: piece.x + nudge * 5, y: piece.y });
      await sleep(MOVE_INTERVAL_MS);
    }
    await answer(client, client.act({ type: "drop", pieceId, x: piece.x, y: piece.y + 10 }));
  }
}

/** Grabs until the server grants it (or the deadline passes): contention and lost holds both end in a retry. */
async function takeHold(client: ProtocolClient, pieceId: number, deadlineMs: number): Promise<void> {
  do {
    const grabbed = await answer(client, client.act({ type: "grab", pieceId }));
    if (grabbed.ackedAtMs !== undefined) return;
    await sleep(MOVE_INTERVAL_MS);
  } while (performance.now() < deadlineMs);
}

/**
 * Waits for the room's answer. A closed socket fails at once instead of waiting:
 * `partykit dev` reloads (and drops every connection) when a source file changes.
 */
async function answer(client: ProtocolClient, record: SentAction): Promise<SentAction> {
  const answered = () => record.ackedAtMs !== undefined || record.rejected !== undefined;
  try {
    await client.until(() => answered() || client.closeEvents.length > 0, ANSWER_TIMEOUT_MS);
  } catch {
    // Reported below with what the client saw.
  }
  if (answered()) return record;
  const seen = { closes: client.closeEvents, errors: client.errors, framesReceived: client.framesReceived };
  throw new Error(`${client.playerId} got no answer to ${JSON.stringify(record)}; it saw ${JSON.stringify(seen)}`);
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(Math.max(value, min), max);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
