/**
 * What a solve's action log costs in room storage: `npx tsx scripts/log-storage.ts`
 * solves a puzzle in-process (RoomCore over memory storage, its own clock),
 * every piece grabbed, dragged home at 30 Hz in about a second and a half and
 * dropped, by a few players taking turns, and reports the log's entries, its
 * keys and their bytes as the runtime measures values (V8 serialization), next
 * to the puzzle's own stored state.
 */
import { serialize } from "node:v8";
import { Command } from "commander";
import { InMemoryRoom, type FakeClient } from "../testkit/in-memory-room.ts";
import { createPrng } from "../shared/prng.ts";
import { solvedPosition } from "../shared/puzzle-spec.ts";
import { LOG_BUDGET_BYTES } from "../party/room/action-log-store.ts";

const MOVE_INTERVAL_MS = 33;

const program = new Command()
  .option("--pieces <n>", "pieces of the puzzle", (value) => Number(value), 1_000)
  .option("--players <n>", "players taking turns", (value) => Number(value), 8)
  .option("--moves <n>", "moves of each drag (30 Hz)", (value) => Number(value), 45)
  .parse();
const flags = program.opts<{ pieces: number; players: number; moves: number }>();

const room = new InMemoryRoom({ seed: 3 });
const players: FakeClient[] = [];
for (let index = 0; index < flags.players; index++) {
  const client = room.connect();
  client.hello(`p${index}`, index === 0 ? { create: { imageId: "test", imageWidth: 2400, imageHeight: 1600, pieceCount: flags.pieces, seed: 17 } } : {});
  room.settle();
  players.push(client);
}
const spec = room.core.snapshot()!.spec;
const prng = createPrng(9);
let actions = 0;
for (let pieceId = 0; pieceId < spec.rows * spec.cols; pieceId++) {
  const client = players[pieceId % players.length]!;
  const piece = room.core.snapshot()!.pieces[pieceId]!;
  if (piece[3]) continue;
  const home = solvedPosition(spec, pieceId);
  client.act({ type: "grab", pieceId });
  const [fromX, fromY] = piece;
  for (let step = 1; step <= flags.moves; step++) {
    room.advance(MOVE_INTERVAL_MS);
    // A hand's path: straight on average, a few px of wobble.
    const share = step / flags.moves;
    client.act({ type: "move", pieceId, x: fromX + (home.x - fromX) * share + (prng() - 0.5) * 6, y: fromY + (home.y - fromY) * share + (prng() - 0.5) * 6 });
  }
  client.act({ type: "drop", pieceId, x: home.x, y: home.y });
  actions += flags.moves + 2;
  room.settle();
}
room.settle();
const snapshot = room.core.snapshot()!;
const bytes = (prefix: (key: string) => boolean) => {
  let total = 0;
  let keys = 0;
  for (const [key, value] of room.storage.values) {
    if (!prefix(key)) continue;
    total += serialize(value).byteLength;
    keys++;
  }
  return { total, keys };
};
const log = bytes((key) => key.startsWith("log:"));
const state = bytes((key) => !key.startsWith("log:"));
const placed = snapshot.pieces.filter((piece) => piece[3]).length;
console.log(`${flags.pieces} pieces (${placed} placed, ${snapshot.completedAtMs === null ? "unfinished" : "solved"}), ${flags.players} players, ${actions} actions of ${flags.moves + 2} per piece`);
console.log(`log: ${log.keys} keys, ${(log.total / 1024).toFixed(0)} KiB (${(log.total / actions).toFixed(1)} bytes per action; budget ${LOG_BUDGET_BYTES / 1_048_576} MiB)`);
console.log(`the puzzle's own state: ${state.keys} keys, ${(state.total / 1024).toFixed(0)} KiB`);
