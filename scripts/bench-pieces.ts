/**
 * `npm run bench:pieces`: what a big puzzle costs, in-process. For each piece
 * count: the time to cut it as a client does (spec, edges and every outline:
 * shared generation; the client's atlas is bench:client's), to lay it out as
 * the room does when it creates it (the seeded start layout), the
 * bytes of the welcome a joiner gets (fresh, half solved, all but a few placed)
 * with the packed pieces and as the tuples of protocol 3 before them, the
 * rules' cost of a drop into the big locked group of an end game, and RoomCore's
 * cost per move (scripts/lib/room-core-cost.ts), packing a welcome's pieces and
 * parsing the welcome. Medians of several runs;
 * prints figures, asserts nothing.
 */
import { Command, Option } from "commander";
import { integer, listOf } from "./lib/cli-args.ts";
import { describeMachine, machineInfo } from "./lib/machine.ts";
import { measureRoomCore } from "./lib/room-core-cost.ts";
import { median } from "../testkit/stats.ts";
import { MAX_PIECES, MIN_PIECES, createSpec, pieceCountOf, solvedPosition, type PuzzleOptions } from "../shared/puzzle-spec.ts";
import { createPuzzle, puzzleState, type PieceState, type PuzzleState } from "../shared/puzzle-state.ts";
import { generateEdges, pieceOutline } from "../shared/piece-shapes.ts";
import { applyAction } from "../shared/rules.ts";
import { serverFrame } from "../shared/frames.ts";
import { wirePiece, wireSnapshot } from "../shared/replica.ts";
import { PROTOCOL_VERSION, parseServerFrame, type Player } from "../shared/protocol.ts";
import { packPieces } from "../shared/packed-pieces.ts";

const program = new Command("bench:pieces")
  .description("Measure a big puzzle in-process: cutting it, the welcome's bytes, the rules' end-game drop, RoomCore per move.")
  .addOption(new Option("--pieces <list>", "piece counts").default([1_000, 2_000, 5_000], "1000,2000,5000").argParser(listOf(integer("--pieces", MIN_PIECES, 10_000))))
  .addOption(new Option("--runs <n>", "runs per figure (medians are printed)").default(5).argParser(integer("--runs", 1, 100)))
  .addOption(new Option("--players <n>", "players listed in the welcome").default(16).argParser(integer("--players", 0, 256)))
  .option("--json", "print JSON", false)
  .allowExcessArguments(false);

const options = (pieceCount: number): PuzzleOptions => ({ imageId: "bench", imageWidth: 1920, imageHeight: 1080, pieceCount, seed: 11, rotation: true });

/** Every piece but `loose` of them locked in one group on the board; the loose ones scattered as generated. */
function endGame(pieceCount: number, loose: number): { state: PuzzleState; looseIds: number[] } {
  const fresh = createPuzzle(options(pieceCount));
  const count = pieceCountOf(fresh.spec);
  // Spread over the grid, never piece 0 (the locked group keeps its name).
  const looseIds = Array.from({ length: loose }, (_, index) => 1 + Math.floor(((index + 0.5) * (count - 1)) / loose));
  const isLoose = new Set(looseIds);
  const pieces: PieceState[] = fresh.pieces.map((piece, id) => (isLoose.has(id) ? { ...piece, rotation: 0 } : { ...solvedPosition(fresh.spec, id), group: 0, locked: true, rotation: 0 }));
  return { state: puzzleState({ spec: fresh.spec, pieces, holds: new Map(), placedBy: new Map(), version: 0, completedAtMs: null }), looseIds };
}

/** Half the pieces locked in place, in rows from the top: a game under way. */
function halfSolved(pieceCount: number): PuzzleState {
  const fresh = createPuzzle(options(pieceCount));
  const half = Math.floor(pieceCountOf(fresh.spec) / 2);
  const pieces = fresh.pieces.map((piece, id) => (id < half ? { ...solvedPosition(fresh.spec, id), group: 0, locked: true, rotation: 0 as const } : piece));
  return puzzleState({ spec: fresh.spec, pieces, holds: new Map(), placedBy: new Map(), version: 0, completedAtMs: null });
}

function welcomeBytes(state: PuzzleState, players: Player[]): { packed: number; tuples: number } {
  const fields = { holds: [], players, version: 1_234, completedAtMs: null, startedAtMs: 1_700_000_000_000 };
  const welcome = { type: "welcome", protocol: PROTOCOL_VERSION, mode: "stateful", playerId: "p0", token: "t".repeat(24) } as const;
  const packed = serverFrame({ ...welcome, snapshot: wireSnapshot(state, fields) });
  const tuples = JSON.stringify({ ...welcome, snapshot: { spec: state.spec, pieces: state.pieces.map(wirePiece), ...fields } });
  const utf8 = new TextEncoder();
  return { packed: utf8.encode(packed).length, tuples: utf8.encode(tuples).length };
}

function timed(run: () => void): number {
  const started = performance.now();
  run();
  return performance.now() - started;
}

interface PiecesFigures {
  pieces: number;
  cutMs: number;
  layoutMs: number;
  welcome: Record<"fresh" | "half" | "endGame", { packed: number; tuples: number }>;
  endGameDropUs: number;
  /** Packing a fresh puzzle's pieces, and parsing its whole welcome frame (the pieces unpacked), ms. */
  packMs: number;
  parseMs: number | null;
  /** Null past MAX_PIECES, which no room creates. */
  coreMoveUs: number | null;
}

function measure(pieceCount: number, runs: number, players: Player[]): PiecesFigures {
  const cut: number[] = [];
  const layout: number[] = [];
  for (let run = 0; run < runs; run++) {
    cut.push(
      timed(() => {
        const spec = createSpec(options(pieceCount));
        const edges = generateEdges(spec);
        for (let id = 0; id < pieceCountOf(spec); id++) pieceOutline(spec, edges, id);
      }),
    );
    layout.push(timed(() => createPuzzle(options(pieceCount))));
  }
  const drops: number[] = [];
  for (let run = 0; run < runs; run++) {
    const { state, looseIds } = endGame(pieceCount, 20);
    let nowMs = 1_000;
    const spent = timed(() => {
      for (const id of looseIds) {
        applyAction(state, "p0", { type: "grab", pieceId: id }, nowMs++);
        applyAction(state, "p0", { type: "drop", pieceId: id, ...solvedPosition(state.spec, id) }, nowMs++);
      }
    });
    if (!state.completedAtMs) throw new Error("the end game did not complete: the drops were not the last pieces");
    drops.push((spent * 1000) / looseIds.length);
  }
  // A room refuses to create a puzzle past MAX_PIECES: past it, only the shared figures.
  const core = pieceCount <= MAX_PIECES ? Array.from({ length: Math.min(runs, 3) }, () => measureRoomCore(16, 30, 5, pieceCount)) : [];
  const fresh = createPuzzle(options(pieceCount));
  const frame = serverFrame({ type: "welcome", protocol: PROTOCOL_VERSION, mode: "stateful", playerId: "p0", token: "t", snapshot: wireSnapshot(fresh, { holds: [], players, version: 1, completedAtMs: null, startedAtMs: 0 }) });
  const pack = Array.from({ length: runs }, () => timed(() => packPieces(fresh.spec, fresh.pieces)));
  // Past MAX_PIECES the schema refuses the spec: nothing to time.
  const parse = pieceCount <= MAX_PIECES ? Array.from({ length: runs }, () => timed(() => {
    if (!parseServerFrame(frame).ok) throw new Error("the welcome did not parse");
  })) : [];
  return {
    pieces: pieceCountOf(fresh.spec),
    cutMs: median(cut),
    layoutMs: median(layout),
    welcome: { fresh: welcomeBytes(fresh, players), half: welcomeBytes(halfSolved(pieceCount), players), endGame: welcomeBytes(endGame(pieceCount, 20).state, players) },
    endGameDropUs: median(drops),
    packMs: median(pack),
    parseMs: parse.length > 0 ? median(parse) : null,
    coreMoveUs: core.length > 0 ? median(core.map((cost) => cost.cpuUsPerAction)) : null,
  };
}

function main(): void {
  program.parse();
  const flags = program.opts<{ pieces: number[]; runs: number; players: number; json: boolean }>();
  const machine = machineInfo();
  const players: Player[] = Array.from({ length: flags.players }, (_, index) => ({ id: `player-${index}-${"x".repeat(12)}`, name: `Player ${index}`, color: "#3a86ff", connected: true, placed: index * 3 }));
  const figures = flags.pieces.map((count) => measure(count, flags.runs, players));
  if (flags.json) {
    console.log(JSON.stringify({ machine, maxPieces: MAX_PIECES, figures }, null, 2));
    return;
  }
  const kb = (bytes: number) => `${(bytes / 1000).toFixed(1)} KB`;
  const perPiece = (bytes: number, pieces: number) => `${(bytes / pieces).toFixed(1)} B`;
  console.log(`Big puzzles in-process, 1920x1080 picture, rotation on, ${flags.players} players listed, median of ${flags.runs} runs`);
  console.log(`machine: ${describeMachine(machine)}\n`);
  const header = ["pieces", "cut", "layout", "welcome fresh", "per piece", "tuples", "half solved", "end game", "end-game drop", "pack", "parse welcome", "RoomCore move"];
  const rows = figures.map((f) => [
    f.pieces.toLocaleString("en"),
    `${f.cutMs.toFixed(0)} ms`,
    `${f.layoutMs.toFixed(1)} ms`,
    kb(f.welcome.fresh.packed),
    perPiece(f.welcome.fresh.packed, f.pieces),
    kb(f.welcome.fresh.tuples),
    `${kb(f.welcome.half.packed)} (${kb(f.welcome.half.tuples)})`,
    `${kb(f.welcome.endGame.packed)} (${kb(f.welcome.endGame.tuples)})`,
    `${f.endGameDropUs.toFixed(0)} us`,
    `${f.packMs.toFixed(2)} ms`,
    f.parseMs === null ? "-" : `${f.parseMs.toFixed(1)} ms`,
    f.coreMoveUs === null ? "-" : `${f.coreMoveUs.toFixed(1)} us`,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((cell, column) => cell.padStart(widths[column]!)).join("  "));
  console.log("\ncut: spec, edges and every piece's outline (what the client runs before its atlas); layout: createPuzzle (the room, once, at creation); welcome: the whole frame in bytes, packed (tuples in brackets: protocol 3's earlier form);");
  console.log("pack: a fresh puzzle's pieces into the welcome's string (what a room does once per version); parse welcome: parseServerFrame of the fresh welcome, pieces unpacked (what a joiner does);");
  console.log("end-game drop: the rules' grab and drop of one of the last 20 loose pieces into the locked group of all the others; RoomCore move: whole-process CPU per move, 16 clients x 30 Hz.");
}

main();
