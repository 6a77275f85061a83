/**
 * Seeded fuzz in the manner of tldraw's syncFuzz.test.ts: simulated players,
 * each with a replica fed only by the frames its socket receives, hammer one
 * RoomCore with grabs, moves, drops, rotates, cursors, disconnects and resumes
 * while the clock jumps and flushes fire at random points. Half the seeds make
 * a room with rotation on; rotation draws from a stream of its own, so a seed
 * run without rotation replays exactly what it did before rotation existed. The room's invariants are
 * checked after every step; at the end every replica must equal the room.
 * A seed that once failed becomes a named regression test below.
 */
import { describe, expect, it } from "vitest";
import { createPrng, type Prng } from "../../shared/prng.ts";
import { fuzzPuzzle, int, pick } from "./support/fuzz-draws.ts";
import { neighboursOf, solvedPosition, type PuzzleSpec } from "../../shared/puzzle-spec.ts";
import { GRAB_LEASE_MS } from "../../shared/rules.ts";
import { PROTOCOL_VERSION, type Snapshot } from "../../shared/protocol.ts";
import { wirePiece, type Replica } from "../../shared/replica.ts";
import { memberOffset, neighbourOffset } from "../../shared/rotation.ts";
import { FakeClient, InMemoryRoom } from "../../testkit/in-memory-room.ts";
import { ACK_RIDE_MS, BROADCAST_TICK_MS, FRAMES_PER_S } from "../../party/room/room-core.ts";
import { comparableSnapshot, comparableState, corePages, replayLog } from "../../testkit/log-replay.ts";

interface SimPlayer {
  name: string;
  client: FakeClient | null;
  /** The piece this player believes it holds (it may have lost it meanwhile). */
  holding: number | null;
}


/** Checks what must hold of the room after any sequence of actions. */
function checkInvariants(snapshot: Snapshot, where: string): void {
  const { spec, pieces, holds } = snapshot;
  const groups = new Map<number, number[]>();
  pieces.forEach(([, , group], id) => {
    const members = groups.get(group) ?? [];
    members.push(id);
    groups.set(group, members);
  });
  for (const [group, members] of groups) {
    if (members[0] !== group) throw new Error(`${where}: group ${group} is not named after its smallest piece ${members[0]}`);
    const [firstX, firstY, , firstLocked, firstRotation = 0] = pieces[group]!;
    if (firstLocked === 1 && firstRotation !== 0) throw new Error(`${where}: group ${group} is locked turned by ${firstRotation}`);
    for (const id of members) {
      const [x, y, , locked, rotation = 0] = pieces[id]!;
      const solved = solvedPosition(spec, id);
      if (rotation !== firstRotation) throw new Error(`${where}: piece ${id} is turned ${rotation}, its group ${group} ${firstRotation}`);
      const offset = memberOffset(spec, group, id, firstRotation);
      if (x - firstX !== offset.x || y - firstY !== offset.y) {
        throw new Error(`${where}: piece ${id} is off its solved offset within group ${group}`);
      }
      if (locked !== firstLocked) throw new Error(`${where}: group ${group} is partly locked`);
      if (locked === 1 && (x !== solved.x || y !== solved.y)) throw new Error(`${where}: locked piece ${id} is at ${x},${y}, not ${solved.x},${solved.y}`);
    }
  }
  const holders = new Set<string>();
  for (const [group, playerId, pieceId] of holds) {
    if (playerId === null) throw new Error(`${where}: a released hold in the snapshot`);
    if (holders.has(playerId)) throw new Error(`${where}: player ${playerId} holds two groups`);
    holders.add(playerId);
    if (!groups.has(group)) throw new Error(`${where}: hold on group ${group}, which does not exist`);
    if (pieces[pieceId]?.[2] !== group) throw new Error(`${where}: hold on group ${group} by piece ${pieceId} of another group`);
    if (pieces[group]![3] === 1) throw new Error(`${where}: hold on locked group ${group}`);
  }
  if (snapshot.completedAtMs !== null && pieces.some((piece) => piece[3] !== 1)) throw new Error(`${where}: complete with loose pieces`);
}

/** The replica in the snapshot's wire form. */
function replicaAsSnapshot(replica: Replica): Pick<Snapshot, "pieces" | "holds" | "version" | "completedAtMs"> & { placed: Array<[string, number]> } {
  const { puzzle } = replica;
  return {
    pieces: puzzle.pieces.map(wirePiece),
    holds: [...puzzle.holds].map(([group, hold]) => [group, hold.playerId, hold.pieceId] as [number, string, number]).sort((a, b) => a[0] - b[0]),
    version: puzzle.version,
    completedAtMs: puzzle.completedAtMs,
    placed: [...replica.players.values()].map((player) => [player.id, player.placed] as [string, number]).sort(),
  };
}

function roomAsSnapshot(snapshot: Snapshot): ReturnType<typeof replicaAsSnapshot> {
  return {
    pieces: snapshot.pieces,
    holds: [...snapshot.holds].map(([group, playerId, pieceId]) => [group, playerId!, pieceId] as [number, string, number]).sort((a, b) => a[0] - b[0]),
    version: snapshot.version,
    completedAtMs: snapshot.completedAtMs,
    placed: snapshot.players.map((player) => [player.id, player.placed] as [string, number]).sort(),
  };
}

/** A target for a drop or move: random, near the piece's board spot, or next to a neighbour as the replica shows it. */
function target(prng: Prng, spec: PuzzleSpec, replica: Replica, pieceId: number): { x: number; y: number } {
  const jitter = () => int(prng, -28, 28);
  // A player may still think it holds a piece id the room refused.
  const roll = replica.puzzle.pieces[pieceId] ? prng() : 0.9;
  if (roll < 0.3) {
    const spot = solvedPosition(spec, pieceId);
    return { x: spot.x + jitter(), y: spot.y + jitter() };
  }
  if (roll < 0.65) {
    const { id, dRow, dCol } = pick(prng, neighboursOf(spec, pieceId));
    const neighbour = replica.puzzle.pieces[id]!;
    const fits = neighbourOffset(spec, dRow, dCol, neighbour.rotation);
    return { x: neighbour.x - fits.x + jitter(), y: neighbour.y - fits.y + jitter() };
  }
  if (roll < 0.97) return { x: int(prng, -100, spec.tableWidth + 100), y: int(prng, -100, spec.tableHeight + 100) };
  // Now and then a coordinate the rules refuse as out of range.
  return { x: spec.tableWidth * 3, y: -spec.tableHeight * 2 };
}

export interface FuzzOptions {
  steps: number;
  /** "seeded": the seed decides whether the room turns pieces, and players send rotates; "never": neither, as before rotation existed. */
  rotation?: "seeded" | "never";
}

/** Runs one seeded game; throws with the seed and step on the first broken invariant. */
export interface FuzzResult {
  /** Actions the players sent. */
  actions: number;
  applied: number;
  rejected: number;
  /** Every reject reason some player received. */
  reasons: Set<string>;
  /** Drops that joined pieces to a neighbour or the board. */
  placements: number;
  /** Pieces locked at the end. */
  locked: number;
  /** Times the room was rebuilt from storage. */
  restarts: number;
  completed: boolean;
  /** Whether the room turned pieces, and how many of its pieces ended turned. */
  rotation: boolean;
  turned: number;
}

/** Mixed into the seed for the rotation stream: its draws never shift the main stream's. */
const ROTATION_STREAM_SALT = 0x51ed270b;

export async function runFuzz(seed: number, { steps, rotation = "seeded" }: FuzzOptions): Promise<FuzzResult> {
  const prng = createPrng(seed);
  const turns = createPrng(seed ^ ROTATION_STREAM_SALT);
  const rotating = rotation === "seeded";
  const puzzle = fuzzPuzzle(prng, rotating && turns() < 0.5);
  let room = new InMemoryRoom({ seed, maxPlayers: 64 });
  const log = room.log;
  let restarts = 0;
  const players: SimPlayer[] = Array.from({ length: int(prng, 2, 6) }, (_, index) => ({ name: `p${index}`, client: null, holding: null }));
  const tokens = new Map<SimPlayer, string>();
  let actions = 0;

  const join = (player: SimPlayer, create: boolean) => {
    const client = room.connect();
    const token = tokens.get(player);
    client.hello(player.name, { ...(create ? { create: puzzle } : {}), ...(token ? { token } : {}) });
    if (!client.playerId) throw new Error(`seed ${seed}: ${player.name} could not join: ${JSON.stringify(client.socket.received)}`);
    tokens.set(player, client.token!);
    player.client = client;
    player.holding = null;
  };
  players.forEach((player, index) => join(player, index === 0));

  for (let step = 0; step < steps; step++) {
    const where = `seed ${seed} step ${step}`;
    const player = pick(prng, players);
    const client = player.client;
    const roll = prng();
    if (!client) {
      // A player who left comes back with its token (most of the time soon).
      if (roll < 0.5) join(player, false);
    } else {
      client.sync();
      const replica = client.replica!;
      const spec = replica.puzzle.spec;
      const count = replica.puzzle.pieces.length;
      if (roll < 0.22) {
        // Grab: usually a loose piece as the replica sees it, sometimes anything.
        const loose = replica.puzzle.pieces.flatMap((piece, id) => (piece.locked ? [] : [id]));
        const pieceId = loose.length > 0 && prng() < 0.9 ? pick(prng, loose) : int(prng, 0, count);
        client.act({ type: "grab", pieceId });
        player.holding = pieceId;
        actions++;
      } else if (roll < 0.55) {
        const pieceId = player.holding ?? int(prng, 0, count - 1);
        const piece = replica.puzzle.pieces[pieceId];
        const to = piece && prng() < 0.6 ? { x: piece.x + int(prng, -40, 40), y: piece.y + int(prng, -40, 40) } : target(prng, spec, replica, pieceId);
        client.act({ type: "move", pieceId, x: to.x + (prng() < 0.2 ? prng() : 0), y: to.y });
        actions++;
      } else if (roll < 0.72) {
        const pieceId = player.holding ?? int(prng, 0, count - 1);
        client.act({ type: "drop", pieceId, ...target(prng, spec, replica, pieceId) });
        player.holding = null;
        actions++;
      } else if (roll < 0.8) {
        client.send({ type: "cursor", x: int(prng, 0, spec.tableWidth), y: int(prng, 0, spec.tableHeight) });
      } else if (roll < 0.83) {
        client.disconnect();
        player.client = null;
      } else if (roll < 0.84) {
        // A resume on a new connection while the old one is still open.
        const old = client;
        join(player, false);
        if (old.socket.closed === null) throw new Error(`${where}: the replaced connection was not closed`);
        old.disconnect();
      } else if (roll < 0.86) {
        client.sendRaw(pick(prng, ['{"type":"grab"', '{"type":"warp","seq":1}', `{"type":"hello","protocol":${PROTOCOL_VERSION},"name":"again"}`]));
      } else if (roll < 0.97 && rotating) {
        // A turn of the held piece (upright most often, so turned groups can still lock), now and then a rotation the rules refuse.
        const pieceId = player.holding ?? int(turns, 0, count - 1);
        const aim = turns();
        const to = aim < 0.05 ? pick(turns, [4, -1, 1.5]) : aim < 0.7 ? 0 : int(turns, 1, 3);
        // In a room without rotation, rarely: each is refused the same way.
        if (puzzle.rotation || turns() < 0.1) {
          client.act({ type: "rotate", pieceId, rotation: to });
          actions++;
        }
      }
    }

    // Time passes; now and then long enough for leases to run out.
    const clock = prng();
    if (clock < 0.5) room.advance(int(prng, 0, 25));
    else if (clock < 0.51) room.advance(GRAB_LEASE_MS + int(prng, 1, 500));
    // The host may also flush at any moment, not only when asked.
    if (prng() < 0.1) {
      room.flush();
      // Once the frames that flush made due are out (a client that did not act
      // waits for the next broadcast tick, and its frame budget), every connected
      // replica has everything the room has.
      room.settle(2 * BROADCAST_TICK_MS + 1000 / FRAMES_PER_S);
      const expected = roomAsSnapshot(room.core.snapshot()!);
      for (const other of players) {
        if (!other.client) continue;
        other.client.sync();
        expect(replicaAsSnapshot(other.client.replica!), `${where}: ${other.name}'s replica after a flush`).toEqual(expected);
      }
    }
    // Rarely the process dies and the room comes back from storage: every
    // connection drops, and everything acknowledged must still be there.
    if (prng() < 0.004) {
      const acknowledged = room.flushedSnapshot;
      room = new InMemoryRoom({ storage: room.storage, seed: seed + ++restarts * 1_000_003, startMs: room.nowMs + 1_000 });
      await room.core.load();
      for (const player of players) player.client = null;
      const restored = room.core.snapshot();
      if (acknowledged) {
        expect(restored && roomAsSnapshot(restored), `${where}: state after a restart`).toEqual(roomAsSnapshot({ ...acknowledged, holds: [] }));
      }
    }

    const snapshot = room.core.snapshot();
    if (!snapshot) throw new Error(`${where}: the room lost its puzzle`);
    checkInvariants(snapshot, where);
  }

  // Everyone who left comes back; then a final flush and delivery.
  for (const player of players) if (!player.client) join(player, false);
  room.settle();
  room.flush();
  const expected = roomAsSnapshot(room.core.snapshot()!);
  for (const player of players) {
    const client = player.client!;
    client.sync();
    expect(replicaAsSnapshot(client.replica!), `seed ${seed}: ${player.name}'s replica`).toEqual(expected);
    // Every action sent on this connection got exactly one ack or reject.
    const replies = client.socket.received.flatMap((message) => (message.type === "batch" ? message.events : [])).filter((event) => event.type === "ack" || event.type === "reject");
    const seqs = replies.map((event) => (event.type === "ack" || event.type === "reject" ? event.seq : -1));
    expect(new Set(seqs).size, `seed ${seed}: ${player.name} got a duplicate reply`).toBe(seqs.length);
  }
  // The action log replays from the seeded start, through leases, leaves and restarts, to where the room is.
  const replayed = await replayLog(corePages(room.core));
  expect(comparableState(replayed.state), `seed ${seed}: the replayed log`).toEqual(comparableSnapshot(room.core.snapshot()!));
  const reasons = new Set<string>();
  let placements = 0;
  for (const entry of log) {
    if (entry.kind !== "send" || entry.message.type !== "batch") continue;
    for (const event of entry.message.events) {
      if (event.type === "reject") reasons.add(event.reason);
      if (event.type === "placed") placements++;
    }
  }
  const summary = room.core.summary();
  return {
    actions,
    applied: summary.actionsApplied,
    rejected: summary.actionsRejected,
    reasons,
    placements,
    locked: summary.placed,
    restarts,
    completed: expected.completedAtMs !== null,
    rotation: puzzle.rotation === true,
    turned: expected.pieces.filter((piece) => (piece[4] ?? 0) !== 0).length,
  };
}

describe("fuzz: simulated players against one room", () => {
  const SEEDS = Array.from({ length: 40 }, (_, index) => 1000 + index * 7919);
  const STEPS = 500;
  const results = new Map<number, FuzzResult>();
  it.each(SEEDS)("seed %i converges and keeps the invariants", async (seed) => {
    const result = await runFuzz(seed, { steps: STEPS });
    results.set(seed, result);
    const { actions } = result;
    expect(actions).toBeGreaterThan(100);
  });

  it("the seeds together reach what the fuzz is for", async () => {
    // Guards the fuzz against drifting into games where nothing interesting happens.
    // Reuses the runs above; runs any seed a test filter skipped.
    for (const seed of SEEDS) if (!results.has(seed)) results.set(seed, await runFuzz(seed, { steps: STEPS }));
    const all = [...results.values()];
    const reasons = new Set(all.flatMap((result) => [...result.reasons]));
    const totals = {
      completed: all.filter((result) => result.completed).length,
      applied: all.reduce((sum, result) => sum + result.applied, 0),
      rejected: all.reduce((sum, result) => sum + result.rejected, 0),
      placements: all.reduce((sum, result) => sum + result.placements, 0),
      locked: all.reduce((sum, result) => sum + result.locked, 0),
      restarts: all.reduce((sum, result) => sum + result.restarts, 0),
      rotating: all.filter((result) => result.rotation).length,
      completedRotating: all.filter((result) => result.rotation && result.completed).length,
      turned: all.reduce((sum, result) => sum + result.turned, 0),
    };
    console.log("fuzz totals over", SEEDS.length, "seeds:", totals, [...reasons].sort().join(", "));
    expect(totals.completed).toBeGreaterThan(0);
    expect(totals.restarts).toBeGreaterThan(0);
    expect(totals.placements).toBeGreaterThan(SEEDS.length);
    expect(totals.applied).toBeGreaterThan(totals.rejected / 4);
    expect(totals.rotating).toBeGreaterThan(SEEDS.length / 4);
    expect(totals.rotating).toBeLessThan((3 * SEEDS.length) / 4);
    expect(totals.completedRotating).toBeGreaterThan(0);
    expect(totals.turned).toBeGreaterThan(0);
    expect([...reasons].sort()).toEqual(["bad-rotation", "held-by-other", "no-such-piece", "not-holding", "out-of-range", "piece-locked", "puzzle-complete", "rotation-off"]);
  });
});

/**
 * Seeds that caught real bugs, kept by name so they run whatever SEEDS becomes.
 * Each fails against the code before its fix.
 */
describe("fuzz regressions", () => {
  it.each([
    [72271, "a drop joined a locked group, then moved the locked pieces onto a loose neighbour (rules.ts snapToNeighbours)"],
    [64352, "a restart brought the room back at an older version: releases bumped it unstored (room-core.ts persist)"],
    [198975, "the same restart bug, reached by another path of play"],
    [301922, "a move clamped against the table's edge bumped the version but sent others no frame (room-core.ts flush)"],
    [151461, "the same stale version, reached by another path of play"],
  ])("seed %i: %s", async (seed) => {
    // Found before rotation existed: replayed exactly as they were then.
    await runFuzz(seed, { steps: 500, rotation: "never" });
  });

  it.each([[48514, "a turned piece taller than wide started at y = -0, which the wire sends as 0 (puzzle-state.ts createPuzzle)"]])("rotation, seed %i: %s", async (seed) => {
    await runFuzz(seed, { steps: 500 });
  });
});
