/**
 * The lost-move judgement (testkit/lost-moves.ts). A move or drop carries
 * the acted piece's whole group, so a piece's last acknowledged movement may be
 * an action on another piece of its group; the rules may clamp a group or snap
 * it twice. Group scenarios are played with the real rules, each with the lost
 * action the judgement must still find; a seeded workload on the in-memory room
 * checks the whole path (stale replicas, groups grabbed by other players).
 */
import { describe, expect, test } from "vitest";
import { judgeLostMoves, type AcknowledgedPlacement, type FinalPiece, type FinalState } from "../../testkit/lost-moves.ts";
import { actedGroup } from "../../testkit/acted-group.ts";
import { createPuzzle, type PuzzleState } from "../../shared/puzzle-state.ts";
import { createSpec, neighboursOf, solvedPosition, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { drop, grab, move, releasePlayer } from "../../shared/rules.ts";
import { applyBatch, replicaFromSnapshot, wirePiece, type Replica } from "../../shared/replica.ts";
import { between, createPrng, type Prng } from "../../shared/prng.ts";
import { InMemoryRoom, type FakeClient } from "../../testkit/in-memory-room.ts";

const A = "alice";
const B = "bob";
const NOW_MS = 1_000_000;

/** 3 rows x 4 cols of 64 px cells; the table is 614 x 461, the board at (179, 135). */
const TWELVE: PuzzleOptions = { imageId: "test", imageWidth: 1600, imageHeight: 1200, pieceCount: 12, seed: 1 };
const TWELVE_SPEC = createSpec(TWELVE);

const placement = (overrides: Partial<Extract<AcknowledgedPlacement, { type: "move" | "drop" }>>): AcknowledgedPlacement => ({ type: "move", pieceId: 0, x: 10, y: 10, version: 1, ackedAtMs: 1, clientId: "a", ...overrides });
const loose = (x: number, y: number, id: number): FinalPiece => [x, y, id, 0];
const final = (...pieces: FinalPiece[]): FinalState => ({ spec: TWELVE_SPEC, pieces });

describe("lost moves, one piece at a time", () => {
  test("the last acknowledged move must be in the final state", () => {
    const placements = [placement({ x: 5, y: 5, version: 1 }), placement({ x: 7, y: 7, version: 2 })];
    expect(judgeLostMoves(placements, final(loose(7, 7, 0)), "version")).toMatchObject({ judged: 1, lost: 0 });
    const verdict = judgeLostMoves(placements, final(loose(5, 5, 0)), "version");
    expect(verdict.lost).toBe(1);
    expect(verdict.lostPieces[0]).toMatchObject({ pieceId: 0, expected: { x: 7, y: 7 }, found: { x: 5, y: 5 } });
  });

  test("order by version or by ack arrival", () => {
    const placements = [placement({ x: 5, y: 5, version: 9, ackedAtMs: 1, clientId: "a" }), placement({ x: 7, y: 7, version: 9, ackedAtMs: 2, clientId: "b" })];
    // Two acks with one version (last writer wins) are told apart by arrival.
    expect(judgeLostMoves(placements, final(loose(7, 7, 0)), "ack-time").lost).toBe(0);
    expect(judgeLostMoves(placements, final(loose(5, 5, 0)), "ack-time").lost).toBe(1);
    const ordered = [placement({ x: 5, y: 5, version: 10, ackedAtMs: 1 }), placement({ x: 7, y: 7, version: 9, ackedAtMs: 2 })];
    expect(judgeLostMoves(ordered, final(loose(5, 5, 0)), "version").lost).toBe(0);
  });

  test("a snap may have moved the piece a little and joined or locked it; a loose piece elsewhere lost its move", () => {
    const drop = [placement({ type: "drop", x: 100, y: 100 })];
    expect(judgeLostMoves(drop, final([110, 95, 0, 1]), "version").lost).toBe(0);
    expect(judgeLostMoves(drop, final([110, 95, 0, 0], [174, 95, 0, 0]), "version").lost).toBe(0);
    expect(judgeLostMoves(drop, final(loose(110, 95, 0)), "version").lost).toBe(1);
    expect(judgeLostMoves(drop, final([160, 100, 0, 1]), "version").lost).toBe(1);
    // A neighbour's drop joined this piece and carried the group onto the board.
    expect(judgeLostMoves([placement({ x: 100, y: 100 })], final([110, 95, 0, 1]), "version").lost).toBe(0);
    expect(judgeLostMoves([placement({ x: 100, y: 100 })], final(loose(101, 100, 0)), "version").lost).toBe(1);
  });

  test("a complete puzzle shows none of the moves that built it", () => {
    const solved = Array.from({ length: 12 }, (_, id): FinalPiece => [solvedPosition(TWELVE_SPEC, id).x, solvedPosition(TWELVE_SPEC, id).y, 0, 1]);
    // The completing drop locks a group of every piece wherever it was dropped.
    expect(judgeLostMoves([placement({ type: "drop", x: 10, y: 10 })], final(...solved), "version").lost).toBe(0);
    const unfinished = solved.map(([x, y], id): FinalPiece => (id === 0 ? [0, 0, 0, 0] : [x, y, 1, 1]));
    expect(judgeLostMoves([placement({ type: "drop", x: 10, y: 10 })], final(...unfinished), "version").lost).toBe(1);
  });

  test("pieces nobody moved are not judged", () => {
    expect(judgeLostMoves([placement({ pieceId: 1 })], final(loose(0, 0, 0), loose(10, 10, 1)), "version")).toMatchObject({ judged: 1, lost: 0 });
  });
});

/** A scripted game on the twelve-piece puzzle, played with the rules. */
class Game {
  readonly state: PuzzleState = createPuzzle(TWELVE);
  readonly placements: AcknowledgedPlacement[] = [];

  /** Starts with every piece stacked in a corner, where nothing snaps to them. */
  constructor() {
    for (const piece of this.state.pieces) Object.assign(piece, { x: 0, y: 0 });
  }

  grab(player: string, pieceId: number): void {
    expect(grab(this.state, player, pieceId, NOW_MS).ok).toBe(true);
  }

  /** Applies and acknowledges a move or drop; `lost` acknowledges it without applying it, as a broken room would. */
  place(player: string, type: "move" | "drop", pieceId: number, x: number, y: number, { lost = false } = {}): void {
    const group = actedGroup(this.state, pieceId);
    if (lost) this.state.version++;
    else expect((type === "move" ? move : drop)(this.state, player, pieceId, x, y, NOW_MS).ok).toBe(true);
    this.placements.push({ type, pieceId, x, y, version: this.state.version, ackedAtMs: this.state.version, clientId: player, group });
  }

  carry(player: string, pieceId: number, x: number, y: number): void {
    this.grab(player, pieceId);
    this.place(player, "move", pieceId, x, y);
    this.place(player, "drop", pieceId, x, y);
  }

  get final(): FinalState {
    return { spec: this.state.spec, pieces: this.state.pieces.map(wirePiece) };
  }

  at(pieceId: number): [number, number, number] {
    const piece = this.state.pieces[pieceId]!;
    return [piece.x, piece.y, piece.group];
  }
}

// Pieces 4, 5 and 6 lie side by side in the middle row.
const [LEFT, P, Q] = [4, 5, 6];

describe("lost moves in groups", () => {
  test("a piece moved with its group through another piece is where that action put it", () => {
    const game = new Game();
    game.carry(A, Q, 314, 20);
    game.carry(A, P, 245, 25); // snaps to Q: joined at (250, 20)
    expect(game.at(P)).toEqual([250, 20, P]);
    // Bob grabs Q (he may well have seen it alone) and takes the group along.
    game.carry(B, Q, 480, 380);
    expect(game.at(P)).toEqual([416, 380, P]);
    // P's own last placement (245, 25) is long gone; that is no lost move.
    expect(judgeLostMoves(game.placements, game.final, "version")).toMatchObject({ judged: 2, lost: 0 });
  });

  test("a lost movement of a group is found on every piece it carried", () => {
    const game = new Game();
    game.carry(A, Q, 314, 20);
    game.carry(A, P, 245, 25);
    game.grab(B, Q);
    game.place(B, "move", Q, 480, 380);
    game.place(B, "drop", Q, 470, 370, { lost: true });
    const verdict = judgeLostMoves(game.placements, game.final, "version");
    expect(verdict.lost).toBe(2);
    expect(verdict.lostPieces).toContainEqual({ pieceId: P, expected: { x: 406, y: 370 }, found: { x: 416, y: 380 }, by: B });
  });

  test("a lost drop stays lost when another piece later joins the piece where it really is", () => {
    const game = new Game();
    game.grab(A, P);
    game.place(A, "move", P, 100, 20);
    game.place(A, "drop", P, 250, 20, { lost: true });
    releasePlayer(game.state, A);
    game.carry(B, Q, 167, 20); // snaps to P where the room left it, at (100, 20)
    expect(game.at(Q)).toEqual([164, 20, P]);
    const verdict = judgeLostMoves(game.placements, game.final, "version");
    expect(verdict.lostPieces).toEqual([{ pieceId: P, expected: { x: 250, y: 20 }, found: { x: 100, y: 20 }, by: A }]);
  });

  test("a group moved against the table's edge is clamped onto it", () => {
    const game = new Game();
    game.carry(A, Q, 314, 20);
    game.carry(A, P, 250, 20);
    const { tableWidth } = game.state.spec;
    // P's cell fits at the right edge, but Q, right of it, would not.
    game.carry(B, P, tableWidth - 64, 20);
    expect(game.at(P)).toEqual([tableWidth - 128, 20, P]);
    expect(judgeLostMoves(game.placements, game.final, "version").lost).toBe(0);
    game.grab(B, P);
    game.place(B, "move", P, 300, 20, { lost: true });
    expect(judgeLostMoves(game.placements, game.final, "version").lost).toBe(2);
  });

  test("two snaps of one drop add up beyond SNAP_RADIUS_PX", () => {
    const game = new Game();
    game.carry(A, LEFT, 186, 20);
    game.carry(A, Q, 332, 20);
    // 10 px from fitting LEFT, 28 from fitting Q: P joins LEFT, then the two of them join Q.
    game.carry(B, P, 240, 20);
    expect(game.at(P)).toEqual([268, 20, LEFT]);
    expect(judgeLostMoves(game.placements, game.final, "version")).toMatchObject({ judged: 3, lost: 0 });
    // A piece that merely joined others is no further than its snaps could take it.
    game.grab(A, P);
    game.place(A, "drop", P, 240 - 64, 20, { lost: true });
    expect(judgeLostMoves(game.placements, game.final, "version").lost).toBe(3);
  });
});

type Action = Exclude<Parameters<FakeClient["act"]>[0], { type: "rotate" }>;

/** One player of the workload: a replica that sees frames `latencyMs` late, and what it sent. */
interface Player {
  client: FakeClient;
  replica: Replica | null;
  read: number;
  latencyMs: number;
  prng: Prng;
  nextAtMs: number;
  phase: "think" | "grabbing" | "dragging";
  grabSeq: number;
  plan: Array<Extract<Action, { type: "move" | "drop" }>>;
  sent: Map<number, { action: Action; acked?: boolean; rejected?: boolean; placement?: AcknowledgedPlacement }>;
}

/**
 * Six players on a 30-piece puzzle for ten seconds of room time, each grabbing
 * any loose piece nobody holds in its (stale) replica, groups included, dragging
 * it and dropping it, often onto the board. Acknowledged placements are gathered
 * as ProtocolClient does: the acted group from the replica as it was before the
 * frame carrying the ack.
 */
function playWorkload(seed: number): { placements: AcknowledgedPlacement[]; final: FinalState } {
  const room = new InMemoryRoom({ seed });
  const endMs = room.nowMs + 10_000;
  const players: Player[] = Array.from({ length: 6 }, (_, index) => {
    const client = room.connect();
    client.hello(`p${index}`, index === 0 ? { create: { imageId: "load", imageWidth: 1600, imageHeight: 1200, pieceCount: 30, seed } } : {});
    return { client, replica: null, read: 0, latencyMs: 20 + 60 * index, prng: createPrng(seed * 101 + index), nextAtMs: 0, phase: "think", grabSeq: 0, plan: [], sent: new Map() };
  });
  const receive = (player: Player) => {
    const { received, receivedAtMs } = player.client.socket;
    for (; player.read < received.length && receivedAtMs[player.read]! + player.latencyMs <= room.nowMs; player.read++) {
      const message = received[player.read]!;
      if (message.type === "welcome") player.replica = replicaFromSnapshot(message.snapshot);
      if (message.type !== "batch" || !player.replica) continue;
      for (const event of message.events) {
        if (event.type !== "ack" && event.type !== "reject") continue;
        const record = player.sent.get(event.seq);
        if (!record) continue;
        if (event.type === "reject") record.rejected = true;
        else {
          record.acked = true;
          const { action } = record;
          if (action.type === "grab") continue;
          const group = actedGroup(player.replica.puzzle, action.pieceId);
          record.placement = { ...action, version: event.version, ackedAtMs: room.nowMs, clientId: player.client.playerId!, group };
        }
      }
      applyBatch(player.replica, message);
    }
  };
  const send = (player: Player, action: Action): number => {
    const seq = player.client.act(action);
    player.sent.set(seq, { action });
    return seq;
  };
  const think = (player: Player) => {
    player.phase = "think";
    player.nextAtMs = room.nowMs + between(player.prng, 100, 400);
  };
  while (room.nowMs < endMs + 2_000) {
    room.advance(1);
    for (const player of players) {
      receive(player);
      if (!player.replica || room.nowMs < player.nextAtMs || room.nowMs >= endMs) continue;
      if (player.phase === "think") {
        const { puzzle } = player.replica;
        const { spec } = puzzle;
        const free = puzzle.pieces.flatMap((piece, id) => (piece.locked || puzzle.holds.has(piece.group) ? [] : [id]));
        if (free.length === 0) continue;
        const pieceId = free[Math.floor(player.prng() * free.length)]!;
        const from = puzzle.pieces[pieceId]!;
        // Onto the board, next to a neighbour (a loose group forms) or anywhere on the table.
        const aim = player.prng();
        const neighbour = neighboursOf(spec, pieceId)[Math.floor(player.prng() * 4) % neighboursOf(spec, pieceId).length]!;
        const beside = puzzle.pieces[neighbour.id]!;
        const to =
          aim < 0.2
            ? { x: solvedPosition(spec, pieceId).x + 5, y: solvedPosition(spec, pieceId).y - 5 }
            : aim < 0.6
              ? { x: beside.x - neighbour.dCol * spec.pieceWidth + 6, y: beside.y - neighbour.dRow * spec.pieceHeight - 7 }
              : { x: Math.round(between(player.prng, 0, spec.tableWidth)), y: Math.round(between(player.prng, 0, spec.tableHeight)) };
        const steps = 1 + Math.floor(player.prng() * 8);
        const at = (step: number) => ({ x: Math.round(from.x + ((to.x - from.x) * step) / steps), y: Math.round(from.y + ((to.y - from.y) * step) / steps) });
        player.plan = Array.from({ length: steps }, (_, step) => ({ type: "move" as const, pieceId, ...at(step + 1) }));
        player.plan.push({ type: "drop", pieceId, ...to });
        player.grabSeq = send(player, { type: "grab", pieceId });
        player.phase = "grabbing";
      } else if (player.phase === "grabbing") {
        const grabbed = player.sent.get(player.grabSeq)!;
        if (grabbed.rejected) think(player);
        else if (grabbed.acked) player.phase = "dragging";
      } else {
        const action = player.plan.shift()!;
        send(player, action);
        if (action.type === "drop") think(player);
        else player.nextAtMs = room.nowMs + 100;
      }
    }
  }
  room.settle();
  room.advance(1_000);
  for (const player of players) receive(player);
  const placements = players.flatMap((player) => [...player.sent.values()].flatMap((record) => (record.placement ? [record.placement] : [])));
  return { placements, final: room.core.snapshot()! };
}

describe("lost moves on the in-memory room", () => {
  test.each([1, 2, 3])("seed %i: a room that loses nothing is judged to lose nothing, and a lost group movement is found", (seed) => {
    const { placements, final } = playWorkload(seed);
    const verdict = judgeLostMoves(placements, final, "version");
    expect(verdict.lost).toBe(0);
    // The workload did move groups through other pieces, so the test can tell the judgements apart.
    expect(placements.filter((placement) => (placement.group?.length ?? 1) > 1).length).toBeGreaterThan(20);
    // Undo the last movement of the loose group moved last: the judgement must notice.
    const last = placements.filter((placement) => final.pieces[placement.pieceId]![3] === 0).sort((a, b) => b.version - a.version)[0]!;
    const group = final.pieces[last.pieceId]![2];
    const shifted = final.pieces.map(([x, y, g, locked]) => (g === group ? ([x + 200, y, g, locked] as const) : ([x, y, g, locked] as const)));
    expect(judgeLostMoves(placements, { ...final, pieces: shifted }, "version").lost).toBeGreaterThan(0);
  });
});
