/**
 * `npm run bench:crowd`: one stateful room, A active players dragging their own
 * held piece at a fixed rate and N watchers only reading (issue 11). Prints ack
 * p99, fan-out p99 to the watchers, lost moves and desynced watchers, workerd's
 * CPU and memory per connection, the join storm's time, and the break point (the
 * most watchers with fan-out p99 under BREAK_FAN_OUT_P99_MS); then the same
 * traffic against bench:floor's unbatched broadcast room for the ratio, and with
 * --paced-floor against its `paced` room (the room's crowd pacing and a storage
 * write per tick, nothing else). Prints figures; asserts nothing.
 */
import { fileURLToPath } from "node:url";
import { Command, Option } from "commander";
import WebSocket from "ws";
import { integer, listOf, positive } from "./lib/cli-args.ts";
import { describeMachine, machineInfo } from "./lib/machine.ts";
import { cpuDelta, processGroupCpu } from "./lib/process-cpu.ts";
import { serverRssBytes } from "./lib/process-memory.ts";
import { startPartykitDev } from "../testkit/partykit-dev.ts";
import { distribution, median, type Distribution } from "../testkit/stats.ts";
import { PROTOCOL_VERSION, type ServerMessage, type Snapshot } from "../shared/protocol.ts";
import { RoomStateSchema, parseBody } from "../shared/http.ts";
import { BROADCAST_TICK_MS, CROWD_WATCHER_FRAME_MS } from "../party/room/room-core.ts";
import { FLOOR_HELLO, FLOOR_WATCH_PARAM, FLOOR_WELCOME } from "./floor-room/server.ts";

/** The room, bench:floor's unbatched broadcast room, or its paced one. */
type Target = "room" | "floor" | "paced";

const FLOOR_PROJECT = fileURLToPath(new URL("./floor-room", import.meta.url));
/** The break point is the most watchers whose fan-out p99 stays under this. */
export const BREAK_FAN_OUT_P99_MS = 250;
/** How long a run waits, after the last move, for the room to answer every move before it judges. */
const SETTLE_MS = 60_000;
/** Sockets opening at once in the join storm: the room lets MAX_CONNECTING_SOCKETS (128) wait for their hello. */
const JOIN_CONCURRENCY = 100;

const program = new Command("bench:crowd")
  .description("One room, A players dragging and N watchers: ack and fan-out latency, lost moves, workerd CPU and memory per connection, the join storm, the break point; and the same against an unbatched broadcast room.")
  .addOption(new Option("--active <n>", "players dragging their own piece").default(100).argParser(integer("--active", 1, 256)))
  .addOption(new Option("--watchers <n>", "watchers").default(900).argParser(integer("--watchers", 0, 5_000)))
  .addOption(new Option("--rate <hz>", "moves per second per active player").default(20).argParser(positive("--rate")))
  .addOption(new Option("--duration <s>", "seconds of dragging per run").default(15).argParser(positive("--duration")))
  .addOption(new Option("--runs <n>", "runs (medians are printed)").default(1).argParser(integer("--runs", 1, 20)))
  .addOption(new Option("--break-watchers <list>", "watcher counts tried for the break point (empty: none)").default([] as number[], "none").argParser(listOf(integer("--break-watchers", 0, 5_000))))
  .option("--no-floor", "skip the unbatched broadcast room")
  .option("--paced-floor", "also run the do-nothing room paced as this room is in a crowd (players' frames every tick with a storage write, a watcher's every 100 ms)", false)
  .option("--json", "print JSON", false)
  .allowExcessArguments(false);

export interface CrowdFigures {
  target: Target;
  active: number;
  watchers: number;
  rateHz: number;
  movesPerS: number;
  ackMs: Distribution | null;
  fanOutMs: Distribution;
  /** Moves some watcher never saw (floor), or players whose answered last move is not where the room has their piece (room). */
  lost: number;
  unacknowledged: number;
  /** Watchers whose replica of the dragged pieces differs from the room's state at the end. */
  desyncedWatchers: number;
  framesPerWatcherPerS: number;
  cpuPerMoveUs: number;
  /** workerd's share of one core while the crowd played. */
  cpuShareOfCore: number;
  memoryPerConnectionKb: number;
  joinStormMs: number;
}

interface Client {
  index: number;
  socket: WebSocket;
  frames: number;
  /** The room's id for it, from its welcome. */
  playerId: string;
  welcomedAt: number;
  /** A watcher's view of the dragged pieces: id -> [x, y]. */
  seen: Map<number, [number, number]>;
}

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<{ active: number; watchers: number; rate: number; duration: number; runs: number; breakWatchers: number[]; floor: boolean; pacedFloor: boolean; json: boolean }>();
  const log = (line: string) => console.error(line);
  const machine = machineInfo();
  log(`machine: ${describeMachine(machine)}`);
  const room = await repeat(flags.runs, (run) => onFreshServer("room", (port, pid) => crowdRun("room", port, pid, flags.active, flags.watchers, flags.rate, flags.duration, `${run}`)), log);
  const floor = flags.floor ? await repeat(flags.runs, (run) => onFreshServer("floor", (port, pid) => crowdRun("floor", port, pid, flags.active, flags.watchers, flags.rate, flags.duration, `${run}`)), log) : null;
  const paced = flags.pacedFloor ? await repeat(flags.runs, (run) => onFreshServer("paced", (port, pid) => crowdRun("paced", port, pid, flags.active, flags.watchers, flags.rate, flags.duration, `${run}`)), log) : null;
  const breakSteps: CrowdFigures[] = [];
  for (const watchers of flags.breakWatchers) {
    const step = await onFreshServer("room", (port, pid) => crowdRun("room", port, pid, flags.active, watchers, flags.rate, Math.min(flags.duration, 10), `b${watchers}`));
    log(describe(step));
    breakSteps.push(step);
  }
  const holding = breakSteps.filter((step) => step.fanOutMs.p99 < BREAK_FAN_OUT_P99_MS);
  const breakPoint = holding.length ? Math.max(...holding.map((step) => step.watchers)) : null;
  if (flags.json) {
    console.log(JSON.stringify({ machine, room, floor, paced, breakSteps, breakPoint }, null, 2));
    return;
  }
  console.log(`\nOne room, ${flags.active} players dragging at ${flags.rate} Hz and ${flags.watchers} watchers, ${flags.duration} s per run, median of ${flags.runs}`);
  console.log(`machine: ${describeMachine(machine)} (load generator on the same cores)\n`);
  console.log("target  ack p99  fan-out p50/p99  lost  unacked  desynced  frames/watcher/s  CPU/move  core share  memory/conn  join storm");
  for (const figures of [room, floor, paced]) if (figures) console.log(row(figures));
  if (floor) console.log(`\nroom / unbatched broadcast: CPU per move ${(room.cpuPerMoveUs / floor.cpuPerMoveUs).toFixed(2)}x, fan-out p99 ${(room.fanOutMs.p99 / floor.fanOutMs.p99).toFixed(2)}x`);
  if (paced) console.log(`room / paced do-nothing room: CPU per move ${(room.cpuPerMoveUs / paced.cpuPerMoveUs).toFixed(2)}x, fan-out p99 ${(room.fanOutMs.p99 / paced.fanOutMs.p99).toFixed(2)}x (the paced room's "ack" is a player's own move coming back)`);
  if (breakSteps.length) {
    console.log(`\nbreak point (most watchers with fan-out p99 < ${BREAK_FAN_OUT_P99_MS} ms, ${flags.active} active): ${breakPoint ?? "none of those tried"}`);
    for (const step of breakSteps) console.log(`  ${step.watchers} watchers: fan-out p99 ${step.fanOutMs.p99.toFixed(0)} ms, ack p99 ${step.ackMs?.p99.toFixed(0)} ms, lost ${step.lost}`);
  }
}

function row(figures: CrowdFigures): string {
  return [
    figures.target.padEnd(6),
    (figures.ackMs ? `${figures.ackMs.p99.toFixed(1)} ms` : "-").padStart(8),
    `${figures.fanOutMs.p50.toFixed(1)}/${figures.fanOutMs.p99.toFixed(1)} ms`.padStart(16),
    String(figures.lost).padStart(5),
    String(figures.unacknowledged).padStart(8),
    String(figures.desyncedWatchers).padStart(9),
    figures.framesPerWatcherPerS.toFixed(1).padStart(17),
    `${figures.cpuPerMoveUs.toFixed(0)} us`.padStart(9),
    `${(100 * figures.cpuShareOfCore).toFixed(0)} %`.padStart(11),
    `${figures.memoryPerConnectionKb.toFixed(0)} KB`.padStart(12),
    `${(figures.joinStormMs / 1000).toFixed(2)} s`.padStart(11),
  ].join(" ");
}

function describe(figures: CrowdFigures): string {
  return `  ${figures.target} ${figures.active} active + ${figures.watchers} watchers: ack p99 ${figures.ackMs?.p99.toFixed(1) ?? "-"} ms, fan-out p99 ${figures.fanOutMs.p99.toFixed(1)} ms, lost ${figures.lost}, ${figures.cpuPerMoveUs.toFixed(0)} us CPU/move, join storm ${(figures.joinStormMs / 1000).toFixed(2)} s`;
}

async function repeat(runs: number, once: (run: number) => Promise<CrowdFigures>, log: (line: string) => void): Promise<CrowdFigures> {
  const all: CrowdFigures[] = [];
  for (let run = 0; run < runs; run++) {
    const figures = await once(run);
    log(describe(figures));
    all.push(figures);
  }
  if (all.length === 1) return all[0]!;
  const med = (pick: (figures: CrowdFigures) => number) => median(all.map(pick));
  const dist = (pick: (figures: CrowdFigures) => Distribution): Distribution => ({
    count: all.reduce((total, figures) => total + pick(figures).count, 0),
    mean: med((figures) => pick(figures).mean),
    p50: med((figures) => pick(figures).p50),
    p95: med((figures) => pick(figures).p95),
    p99: med((figures) => pick(figures).p99),
    max: Math.max(...all.map((figures) => pick(figures).max)),
  });
  const first = all[0]!;
  return {
    ...first,
    movesPerS: med((figures) => figures.movesPerS),
    ackMs: first.ackMs ? dist((figures) => figures.ackMs!) : null,
    fanOutMs: dist((figures) => figures.fanOutMs),
    // Worst run: one lost move is one too many.
    lost: Math.max(...all.map((figures) => figures.lost)),
    unacknowledged: Math.max(...all.map((figures) => figures.unacknowledged)),
    desyncedWatchers: Math.max(...all.map((figures) => figures.desyncedWatchers)),
    framesPerWatcherPerS: med((figures) => figures.framesPerWatcherPerS),
    cpuPerMoveUs: med((figures) => figures.cpuPerMoveUs),
    cpuShareOfCore: med((figures) => figures.cpuShareOfCore),
    memoryPerConnectionKb: med((figures) => figures.memoryPerConnectionKb),
    joinStormMs: med((figures) => figures.joinStormMs),
  };
}

/** Each run on a fresh `partykit dev`, so one run's sockets and leaks do not weigh on the next. */
async function onFreshServer(target: Target, run: (port: number, pid: number) => Promise<CrowdFigures>): Promise<CrowdFigures> {
  const dev = await startPartykitDev(target !== "room" ? { cwd: FLOOR_PROJECT } : { vars: { MAX_PLAYERS: "256", MAX_WATCHERS: "5000" } });
  try {
    return await run(dev.port, dev.pid);
  } finally {
    await dev.stop();
  }
}

/** The floor room's move: [client, sentAtMs, x, y]. */
type FloorMove = [number, number, number, number];

/**
 * One run: the join storm (players first, then watchers, JOIN_CONCURRENCY
 * sockets opening at a time), each player grabs its piece, then everyone drags
 * at the rate with phases spread over one interval, as independent players
 * would; frames are stamped on arrival and decoded after, as the load clients do.
 */
async function crowdRun(target: Target, port: number, pid: number, active: number, watchers: number, rateHz: number, durationS: number, tag: string): Promise<CrowdFigures> {
  const prefix = { room: "crowd", floor: "broadcast-", paced: `paced-t${BROADCAST_TICK_MS}-w${CROWD_WATCHER_FRAME_MS}-` }[target];
  const roomId = `${prefix}${Date.now().toString(36)}${tag}`;
  const url = `ws://127.0.0.1:${port}/parties/main/${roomId}`;
  /** The paced floor tells its watchers by their address. */
  const urlFor = (index: number) => (target === "paced" && index >= active ? `${url}?${FLOOR_WATCH_PARAM}=1` : url);
  const clients: Client[] = [];
  /** Per dragged piece (a player's index), the time each x was sent. */
  const sentAt = new Map<number, Map<number, number>>();
  const ackSentAt = new Map<string, number>();
  const acks: number[] = [];
  const fanOut: number[] = [];
  let floorDelivered = 0;
  let acknowledged = 0;
  const lastSent = new Map<number, [number, number]>();
  let spec: Snapshot["spec"] | null = null;
  let inbox: Array<{ client: Client; data: string; at: number }> = [];
  const drain = () => {
    const frames = inbox;
    inbox = [];
    for (const { client, data, at } of frames) {
      if (target !== "room") {
        // A move (broadcast) or a frame of them (paced); the welcome is not one.
        if (data === FLOOR_WELCOME) continue;
        const parsed = JSON.parse(data) as FloorMove | FloorMove[];
        for (const move of Array.isArray(parsed[0]) ? (parsed as FloorMove[]) : [parsed as FloorMove]) {
          if (client.index >= active) {
            floorDelivered++;
            fanOut.push(at - move[1]);
          } else if (move[0] === client.index) acks.push(at - move[1]);
        }
        continue;
      }
      const message = JSON.parse(data) as ServerMessage;
      if (message.type === "ping") {
        client.socket.send(JSON.stringify({ type: "pong", t: message.t }));
      } else if (message.type === "welcome") {
        client.playerId = message.playerId;
        client.welcomedAt = at;
        spec ??= message.snapshot.spec;
      } else if (message.type === "batch") {
        for (const event of message.events) {
          if (event.type === "ack") {
            const key = `${client.index}:${event.seq}`;
            const sent = ackSentAt.get(key);
            if (sent !== undefined) {
              acks.push(at - sent);
              acknowledged++;
              ackSentAt.delete(key);
            }
          } else if (event.type === "pieces" && client.index >= active) {
            for (const [id, x, y] of event.pieces) {
              client.seen.set(id, [x, y]);
              const sent = sentAt.get(id)?.get(x);
              if (sent !== undefined) fanOut.push(at - sent);
            }
          }
        }
      } else if (message.type === "error") {
        console.error(`client ${client.index}: ${message.code}: ${message.message}`);
      }
    }
  };
  const open = (index: number, hello: object | null) =>
    new Promise<Client>((resolve, reject) => {
      const socket = new WebSocket(urlFor(index), { perMessageDeflate: false });
      const client: Client = { index, socket, frames: 0, playerId: "", welcomedAt: 0, seen: new Map() };
      socket.on("open", () => {
        if (hello) socket.send(JSON.stringify(hello));
        if (!hello) resolve(client);
      });
      socket.on("error", reject);
      socket.on("message", (data) => {
        client.frames++;
        inbox.push({ client, data: String(data), at: performance.now() });
        if (inbox.length === 1) setImmediate(drain);
        if (hello && client.frames === 1) setImmediate(() => resolve(client));
      });
      clients.push(client);
    });
  const pieces = Math.max(100, active);
  const memoryBefore = serverRssBytes(pid);
  const stormStart = performance.now();
  const helloFor = (index: number): object | null => {
    // The floor rooms answer this with a welcome: their join storm is a round trip per socket too.
    if (target !== "room") return JSON.parse(FLOOR_HELLO) as object;
    const base = { type: "hello", protocol: PROTOCOL_VERSION, name: index < active ? `P${index}` : `W${index}` };
    if (index === 0) return { ...base, create: { imageId: "alpine-dusk", imageWidth: 1600, imageHeight: 1000, pieceCount: pieces, seed: 7 } };
    return index < active ? base : { ...base, role: "watcher" };
  };
  // The creator first: everyone else joins a room that has its puzzle.
  await open(0, helloFor(0));
  for (let next = 1; next < active + watchers; ) {
    const wave = [];
    for (; wave.length < JOIN_CONCURRENCY && next < active + watchers; next++) wave.push(open(next, helloFor(next)));
    await Promise.all(wave);
  }
  const joinStormMs = performance.now() - stormStart;
  await sleep(500);
  const memoryPerConnectionKb = (serverRssBytes(pid) - memoryBefore) / 1024 / clients.length;
  const players = clients.slice(0, active);
  // Every player holds its own piece (pieceId = its index) before the drag starts.
  let seq = 0;
  if (target === "room") {
    for (const player of players) player.socket.send(JSON.stringify({ type: "grab", seq: ++seq, pieceId: player.index }));
    await sleep(1_000);
  }
  const span = spec ? Math.max(100, (spec as Snapshot["spec"]).tableWidth - 80) : 400;
  const intervalMs = 1000 / rateHz;
  let sent = 0;
  const cpuBefore = processGroupCpu(pid);
  const startedAt = performance.now();
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  players.forEach((player, index) => {
    let step = 0;
    const send = () => {
      step++;
      sent++;
      const now = performance.now();
      const x = 40 + (step % span);
      const y = 40 + (player.index % 20) * 10;
      if (target !== "room") return player.socket.send(JSON.stringify([player.index, Math.round(now * 10) / 10, x, y] satisfies FloorMove));
      const moveSeq = ++seq;
      let times = sentAt.get(player.index);
      if (!times) sentAt.set(player.index, (times = new Map()));
      times.set(x, now);
      ackSentAt.set(`${player.index}:${moveSeq}`, now);
      lastSent.set(player.index, [x, y]);
      player.socket.send(JSON.stringify({ type: "move", seq: moveSeq, pieceId: player.index, x, y }));
    };
    timers.push(setTimeout(() => timers.push(setInterval(send, intervalMs)), (index / players.length) * intervalMs));
  });
  await sleep(durationS * 1000);
  for (const timer of timers) clearTimeout(timer);
  const elapsedS = (performance.now() - startedAt) / 1000;
  const cpu = cpuDelta(cpuBefore, processGroupCpu(pid));
  const watcherFrames = clients.slice(active).reduce((total, client) => total + client.frames, 0);
  // Judged only once the room has answered (or SETTLE_MS has passed): a move still on its way is not lost.
  for (const deadline = performance.now() + SETTLE_MS; target === "room" && ackSentAt.size > 0 && performance.now() < deadline; ) await sleep(200);
  await sleep(1_500);
  drain();
  let lost = 0;
  let desyncedWatchers = 0;
  if (target === "room") {
    const response = await fetch(`http://127.0.0.1:${port}/parties/main/${roomId}?state=1`);
    const state = parseBody(RoomStateSchema, await response.json(), "the room's state");
    const stored = state.snapshot!.pieces;
    // A player's last move, once everything it sent was answered, is where its piece must be: anything else lost it.
    const unanswered = new Set([...ackSentAt.keys()].map((key) => Number(key.split(":")[0])));
    for (const [pieceId, [x, y]] of lastSent) if (!unanswered.has(pieceId) && (stored[pieceId]![0] !== x || stored[pieceId]![1] !== y)) lost++;
    for (const watcher of clients.slice(active)) {
      for (const player of players) {
        const seen = watcher.seen.get(player.index);
        const at = stored[player.index]!;
        if (!seen || seen[0] !== at[0] || seen[1] !== at[1]) {
          desyncedWatchers++;
          break;
        }
      }
    }
  } else {
    lost = sent * watchers - floorDelivered;
  }
  for (const client of clients) client.socket.close();
  return {
    target,
    active,
    watchers,
    rateHz,
    movesPerS: sent / elapsedS,
    ackMs: acks.length ? distribution(acks) : null,
    fanOutMs: distribution(fanOut),
    lost,
    unacknowledged: target === "room" ? sent - acknowledged : 0,
    desyncedWatchers,
    framesPerWatcherPerS: watchers ? watcherFrames / watchers / elapsedS : 0,
    cpuPerMoveUs: (cpu.serverMs * 1000) / Math.max(1, sent),
    cpuShareOfCore: cpu.serverMs / 1000 / elapsedS,
    memoryPerConnectionKb,
    joinStormMs,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
