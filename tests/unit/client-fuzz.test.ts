/**
 * Seeded fuzz of the real client against the real room (tldraw's syncFuzz with
 * TestSocketPair): several PuzzleStores, each behind a QueuedLink, play one
 * in-process RoomCore. The test decides every delivery in both directions, so
 * frames arrive late, in bursts, or never (a socket dropped with frames in
 * flight), players drag, turn (half the seeds play with rotation on), drop and
 * tidy through the store's own API, sockets drop
 * and resume by token, and the room restarts from its storage. At quiescence
 * every store's view equals the room's snapshot, nothing is left pending, no
 * action the room acknowledged is missing from its state (judged over every ack
 * it sent, delivered or not: an action applied and stored but whose ack died
 * with its socket still moved the piece), and the store's own lost-move and
 * desync checks agree. A seed that once failed becomes a named test below.
 */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../client/store/clock.ts";
import { PuzzleStore } from "../../client/store/puzzle-store.ts";
import { createPrng } from "../../shared/prng.ts";
import { fuzzPuzzle, int, pick } from "./support/fuzz-draws.ts";
import { neighboursOf, solvedPosition } from "../../shared/puzzle-spec.ts";
import { wirePiece } from "../../shared/replica.ts";
import type { ClientMessage, ServerMessage, Snapshot } from "../../shared/protocol.ts";
import { GRAB_LEASE_MS } from "../../shared/rules.ts";
import type { Rotation } from "../../shared/rotation.ts";
import { InMemoryRoom } from "../../testkit/in-memory-room.ts";
import { judgeLostMoves, type AcknowledgedPlacement } from "../../testkit/lost-moves.ts";
import { QueuedLink } from "../../testkit/queued-link.ts";

const SEEDS = Number(process.env.FUZZ_SEEDS ?? 50);
const STEPS = 300;
/** The room's clock runs this far ahead of the stores' (only differences matter to either). */
const ROOM_EPOCH_MS = 1_700_000_000_000;
/** Rounds of "deliver everything, let time pass" allowed to reach quiescence. */
const QUIESCE_ROUNDS = 400;


interface Player {
  link: QueuedLink;
  store: PuzzleStore;
  /** Move, drop and rotate frames the room received on each socket, with the group each moved and its turns (as the room had them then), by `socket:seq`. */
  moved: Map<string, { message: Extract<ClientMessage, { type: "move" | "drop" | "rotate" }>; group: number[]; rotation: Rotation }>;
}

export interface ClientFuzzResult {
  acked: number;
  drops: number;
  turns: number;
  restarts: number;
  resumes: number;
  locked: number;
}

/**
 * Runs one seeded game; throws naming the seed and what broke. Turns draw from
 * a stream of their own, so a seed played without rotation does what it did
 * before rotation existed.
 */
export async function runClientFuzz(seed: number, { steps = STEPS, rotation = seed % 2 === 0 } = {}): Promise<ClientFuzzResult> {
  const prng = createPrng(seed);
  const turns = createPrng(seed ^ 0x7e57);
  const puzzle = fuzzPuzzle(prng, rotation);
  const clock = new ManualClock(0);
  let room = new InMemoryRoom({ seed, startMs: ROOM_EPOCH_MS });
  let restarts = 0;
  let resumes = 0;
  const placements: AcknowledgedPlacement[] = [];
  const counts = { acked: 0, drops: 0, turns: 0 };

  /** The group of `pieceId` and its turns, as the room has them now. */
  const groupInRoom = (pieceId: number): { group: number[]; rotation: Rotation } => {
    const snapshot = room.core.snapshot();
    const piece = snapshot?.pieces[pieceId];
    if (!piece) return { group: [pieceId], rotation: 0 };
    return { group: snapshot!.pieces.flatMap((other, id) => (other[2] === piece[2] ? [id] : [])), rotation: (piece[4] ?? 0) as Rotation };
  };

  const players: Player[] = Array.from({ length: int(prng, 2, 4) }, (_, index) => {
    const link = new QueuedLink(`p${index}`, `Player ${index}`, index === 0 ? puzzle : undefined);
    const player: Player = { link, store: new PuzzleStore(link, clock), moved: new Map() };
    link.beforeRoom = (frame, socketId) => {
      const message = JSON.parse(frame) as ClientMessage;
      if (message.type === "move" || message.type === "drop" || message.type === "rotate") player.moved.set(`${socketId}:${message.seq}`, { message, ...groupInRoom(message.pieceId) });
    };
    link.roomSent = (frame, socketId) => {
      const message = JSON.parse(frame) as ServerMessage;
      if (message.type !== "batch") return;
      for (const event of message.events) {
        if (event.type !== "ack") continue;
        counts.acked++;
        const moved = player.moved.get(`${socketId}:${event.seq}`);
        if (!moved) continue;
        const { message: action, group, rotation } = moved;
        const acked = { pieceId: action.pieceId, version: event.version, ackedAtMs: clock.now(), clientId: link.id, group };
        if (action.type === "rotate") placements.push({ type: "rotate", rotation: action.rotation as Rotation, ...acked });
        else placements.push({ type: action.type, x: action.x, y: action.y, rotation, ...acked });
      }
    };
    return player;
  });

  /** Time passes for everyone: the stores' timers fire, the room flushes when due. */
  const pass = (ms: number) => {
    for (let left = ms; left > 0; ) {
      const step = Math.min(left, 5);
      clock.advance(step);
      left -= step;
      room.nowMs = ROOM_EPOCH_MS + clock.now();
      while (room.flushDueMs !== null && room.flushDueMs <= room.nowMs) room.runDueFlush();
    }
  };

  // The creator joins first, so the room has its puzzle before the others say hello.
  players[0]!.link.open(room.core);
  players[0]!.link.deliverToRoom();
  pass(10);
  players[0]!.link.deliverToStore();
  for (const player of players.slice(1)) player.link.open(room.core);

  const target = (store: PuzzleStore, pieceId: number): { x: number; y: number } => {
    const view = store.view!;
    const { spec } = view;
    const jitter = () => int(prng, -25, 25);
    const roll = prng();
    if (roll < 0.35) {
      const spot = solvedPosition(spec, pieceId);
      return { x: spot.x + jitter(), y: spot.y + jitter() };
    }
    if (roll < 0.7) {
      const { id, dRow, dCol } = pick(prng, neighboursOf(spec, pieceId));
      const neighbour = view.pieces[id]!;
      return { x: neighbour.x - dCol * spec.pieceWidth + jitter(), y: neighbour.y - dRow * spec.pieceHeight + jitter() };
    }
    return { x: int(prng, -50, spec.tableWidth), y: int(prng, -50, spec.tableHeight) };
  };

  for (let step = 0; step < steps; step++) {
    const player = pick(prng, players);
    const { store, link } = player;
    const roll = prng();
    const view = store.view;
    if (roll < 0.2) {
      if (view && !store.drag) {
        const loose = view.pieces.flatMap((piece, id) => (piece.locked ? [] : [id]));
        if (loose.length > 0) {
          const pieceId = pick(prng, loose);
          const piece = view.pieces[pieceId]!;
          store.beginDrag(pieceId, piece.x + int(prng, 0, 30), piece.y + int(prng, 0, 30));
        }
      }
    } else if (roll < 0.4) {
      const drag = store.drag;
      if (drag) {
        const to = prng() < 0.7 ? { x: drag.x + int(prng, -60, 60), y: drag.y + int(prng, -60, 60) } : target(store, drag.pieceId);
        store.dragTo(to.x - drag.offsetX, to.y - drag.offsetY);
        if (rotation && turns() < 0.3) {
          store.rotateHeld(turns() < 0.5 ? 1 : -1);
          counts.turns++;
        }
      }
    } else if (roll < 0.5) {
      const drag = store.drag;
      if (drag) {
        const to = target(store, drag.pieceId);
        store.endDrag(to.x - drag.offsetX, to.y - drag.offsetY);
      }
    } else if (roll < 0.52) {
      store.tidy(prng() < 0.5 ? "gather" : "edges");
    } else if (roll < 0.7) {
      link.deliverToRoom(prng() < 0.5 ? 1 : int(prng, 1, 20));
    } else if (roll < 0.88) {
      link.deliverToStore(prng() < 0.5 ? 1 : int(prng, 1, 20));
    } else if (roll < 0.91) {
      if (link.connected) {
        link.drop();
        counts.drops++;
      }
    } else if (roll < 0.95) {
      if (!link.connected) {
        link.open(room.core);
        resumes++;
      }
    } else if (roll < 0.955) {
      // The room restarts: every socket dies with it, and the room comes back from storage.
      for (const other of players) other.link.drop(false);
      room = new InMemoryRoom({ storage: room.storage, seed: seed + ++restarts * 1_000_003, startMs: room.nowMs });
      await room.core.load();
    }
    // Time passes: mostly a frame or a few, now and then long enough for leases to lapse.
    const wait = prng();
    pass(wait < 0.9 ? int(prng, 0, 40) : wait < 0.98 ? int(prng, 100, 3_000) : GRAB_LEASE_MS + 1_000);
  }

  // Quiescence: everyone lets go, every socket is up, and everything in flight arrives.
  for (const { store } of players) {
    const drag = store.drag;
    if (drag) store.endDrag(drag.x - drag.offsetX, drag.y - drag.offsetY);
  }
  for (let round = 0; ; round++) {
    for (const { link } of players) if (!link.connected) link.open(room.core);
    for (const { link } of players) link.deliverToRoom();
    pass(40);
    for (const { link } of players) link.deliverToStore();
    const quiet = players.every(({ link, store }) => link.toRoom.length === 0 && link.toStore.length === 0 && link.linkState === "open" && store.pending.length === 0 && store.tidyRemaining() === 0 && !store.drag);
    if (quiet && room.flushDueMs === null) break;
    if (round > QUIESCE_ROUNDS) throw new Error(`seed ${seed}: no quiescence after ${QUIESCE_ROUNDS} rounds: ${JSON.stringify(players.map(({ link, store }) => ({ id: link.id, state: link.linkState, toRoom: link.toRoom.length, toStore: link.toStore.length, pending: store.pending.length, tidy: store.tidyRemaining() })))}`);
  }

  const snapshot: Snapshot = room.core.snapshot()!;
  for (const { link, store } of players) {
    const view = store.view!;
    expect(view.pieces.map(wirePiece), `seed ${seed}: ${link.id}'s view against the room`).toEqual(snapshot.pieces);
    expect([...view.holds.keys()], `seed ${seed}: ${link.id} still shows holds`).toEqual([]);
    expect(store.replica!.puzzle.version, `seed ${seed}: ${link.id}'s version`).toBe(snapshot.version);
    expect(store.completedAtMs(), `seed ${seed}: ${link.id}'s completion`).toBe(snapshot.completedAtMs);
    // The store's own judgement, as the HUD shows it, agrees: nothing lost, nothing desynced.
    store.checkIntegrity(snapshot, clock.now() + 1);
    store.checkIntegrity(snapshot, clock.now() + 1);
    expect({ lost: store.integrity.lostMoves, desynced: store.integrity.desyncedPieces }, `seed ${seed}: ${link.id}'s HUD`).toEqual({ lost: 0, desynced: 0 });
  }
  const verdict = judgeLostMoves(placements, snapshot, "version");
  expect(verdict.lostPieces, `seed ${seed}: acknowledged moves missing from the room`).toEqual([]);
  return { ...counts, restarts, resumes, locked: snapshot.pieces.filter((piece) => piece[3] === 1).length };
}

describe("the real client against the real room", () => {
  it(`converges for ${SEEDS} seeds x ${STEPS} steps, with drops, resumes and restarts`, async () => {
    const results: ClientFuzzResult[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) results.push(await runClientFuzz(seed));
    const total = (pick: (result: ClientFuzzResult) => number) => results.reduce((sum, result) => sum + pick(result), 0);
    // The fuzz must really exercise what it claims to.
    expect(total((result) => result.acked)).toBeGreaterThan(SEEDS * 20);
    expect(total((result) => result.drops)).toBeGreaterThan(SEEDS);
    expect(total((result) => result.resumes)).toBeGreaterThan(SEEDS);
    expect(total((result) => result.restarts)).toBeGreaterThan(SEEDS / 5);
    expect(total((result) => result.locked)).toBeGreaterThan(0);
    expect(total((result) => result.turns)).toBeGreaterThan(SEEDS);
  });
});

describe("seeds that once failed", () => {
  it.each([
    [1, "the HUD took a lease that lapsed while the drag's renewals were still in flight for a grab the room forgot, and judged a drop by where its own rules landed it"],
    [3, "the HUD judged drops by where its own rules landed them, not by where the room's frame with the ack left them"],
    [4, "the HUD took leases that lapsed while the drag's renewals were still in flight for grabs the room forgot"],
  ])("seed %i: %s", async (seed) => {
    await runClientFuzz(seed, { rotation: false });
  });
});
