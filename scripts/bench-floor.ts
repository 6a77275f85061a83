/**
 * `npm run bench:floor`: what the runtime itself costs. The same traffic as
 * bench:room (clients sending a small move at a fixed rate) goes to a PartyKit
 * room that does next to nothing with it (scripts/floor-room/server.ts): drop
 * it, echo it, rebroadcast it, or rebroadcast it batched at 30 Hz with or
 * without a storage write per frame. The figures are a floor under the puzzle
 * room's on the same machine. Prints figures; asserts nothing.
 */
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError, Option } from "commander";
import { integer, positive } from "./lib/cli-args.ts";
import WebSocket from "ws";
import { FLOOR_BEHAVIOURS, FLOOR_TICK_MS, type FloorBehaviour } from "./floor-room/server.ts";
import { describeMachine, machineInfo } from "./lib/machine.ts";
import { startPartykitDev } from "../testkit/partykit-dev.ts";
import { cpuDelta, processGroupCpu } from "./lib/process-cpu.ts";
import { distribution, median, type Distribution } from "../testkit/stats.ts";

const FLOOR_PROJECT = fileURLToPath(new URL("./floor-room", import.meta.url));
/** `paced` is bench:crowd's (its watchers connect apart); without watchers it is batched-stored. */
const DEFAULT_BEHAVIOURS = FLOOR_BEHAVIOURS.filter((behaviour) => behaviour !== "paced");

const behaviours = (raw: string): FloorBehaviour[] =>
  raw.split(",").map((item) => {
    const name = item.trim();
    if (!(FLOOR_BEHAVIOURS as readonly string[]).includes(name)) throw new InvalidArgumentError(`unknown behaviour "${name}": choose from ${FLOOR_BEHAVIOURS.join(", ")}`);
    return name as FloorBehaviour;
  });

const program = new Command("bench:floor")
  .description("Measure the runtime's own cost: the room traffic of bench:room sent to PartyKit rooms that only drop, echo or rebroadcast it.")
  .addOption(new Option("--behaviours <list>", `what the room does with each move: ${FLOOR_BEHAVIOURS.join(", ")}`).default(DEFAULT_BEHAVIOURS, DEFAULT_BEHAVIOURS.join(",")).argParser(behaviours))
  .addOption(new Option("--rooms <n>", "rooms").default(1).argParser(integer("--rooms", 1, 1_000)))
  .addOption(new Option("--clients <n>", "clients per room").default(64).argParser(integer("--clients", 1, 512)))
  .addOption(new Option("--rate <hz>", "moves per second per client").default(30).argParser(positive("--rate")))
  .addOption(new Option("--duration <s>", "seconds per run").default(10).argParser(positive("--duration")))
  .addOption(new Option("--runs <n>", "runs per behaviour (medians are printed)").default(3).argParser(integer("--runs", 1, 100)))
  .addOption(new Option("--tick-ms <ms>", "the batched behaviours' frame interval").default(FLOOR_TICK_MS).argParser(positive("--tick-ms")))
  .option("--json", "print JSON", false)
  .allowExcessArguments(false);

export interface FloorFigures {
  behaviour: FloorBehaviour;
  movesPerS: number;
  framesPerClientPerS: number;
  /** workerd CPU per move sent, microseconds. */
  cpuPerMoveUs: number;
  /** From sending a move until its sender saw it come back (not for "receive"); over runs, medians of each percentile, the largest max and all samples counted. */
  ownEchoMs: Distribution | null;
}

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<{ behaviours: FloorBehaviour[]; rooms: number; clients: number; rate: number; duration: number; runs: number; tickMs: number; json: boolean }>();
  const log = (line: string) => console.error(line);
  const machine = machineInfo();
  log(`machine: ${describeMachine(machine)}`);
  const dev = await startPartykitDev({ cwd: FLOOR_PROJECT });
  const results: FloorFigures[] = [];
  try {
    for (const behaviour of flags.behaviours) {
      const runs: FloorFigures[] = [];
      for (let run = 0; run < flags.runs; run++) {
        const figures = await floorRun(dev.port, dev.pid, behaviour, flags, `${run}`);
        log(`  ${behaviour} run ${run + 1}/${flags.runs}: ${figures.cpuPerMoveUs.toFixed(1)} us workerd CPU per move, own echo p99 ${figures.ownEchoMs?.p99.toFixed(1) ?? "-"} ms`);
        runs.push(figures);
      }
      const med = (pick: (figures: FloorFigures) => number) => median(runs.map(pick));
      const echoes = runs.flatMap((figures) => (figures.ownEchoMs ? [figures.ownEchoMs] : []));
      results.push({
        behaviour,
        movesPerS: med((figures) => figures.movesPerS),
        framesPerClientPerS: med((figures) => figures.framesPerClientPerS),
        cpuPerMoveUs: med((figures) => figures.cpuPerMoveUs),
        ownEchoMs: echoes.length
          ? {
              count: echoes.reduce((total, echo) => total + echo.count, 0),
              mean: median(echoes.map((echo) => echo.mean)),
              p50: median(echoes.map((echo) => echo.p50)),
              p95: median(echoes.map((echo) => echo.p95)),
              p99: median(echoes.map((echo) => echo.p99)),
              max: Math.max(...echoes.map((echo) => echo.max)),
            }
          : null,
      });
    }
  } finally {
    await dev.stop();
  }
  if (flags.json) {
    console.log(JSON.stringify({ machine, settings: { rooms: flags.rooms, clients: flags.clients, rateHz: flags.rate, durationS: flags.duration, runs: flags.runs, tickMs: flags.tickMs }, results }, null, 2));
    return;
  }
  console.log(`\nThe runtime's floor: ${flags.rooms} room(s) x ${flags.clients} clients x ${flags.rate} Hz, ${flags.duration} s per run, median of ${flags.runs} runs, batched every ${flags.tickMs} ms`);
  console.log(`machine: ${describeMachine(machine)} (load generator on the same cores)\n`);
  console.log("behaviour        moves/s  frames/client/s  workerd CPU/move  own echo p50  own echo p99");
  for (const figures of results) {
    const echo = figures.ownEchoMs;
    console.log(
      [
        figures.behaviour.padEnd(15),
        Math.round(figures.movesPerS).toString().padStart(8),
        figures.framesPerClientPerS.toFixed(1).padStart(16),
        `${figures.cpuPerMoveUs.toFixed(1)} us`.padStart(17),
        (echo ? `${echo.p50.toFixed(1)} ms` : "-").padStart(13),
        (echo ? `${echo.p99.toFixed(1)} ms` : "-").padStart(13),
      ].join(" "),
    );
  }
  console.log("\nreceive: the room drops each move; echo: sends it back to its sender; broadcast: to everyone at once;");
  console.log(`batched: to everyone in one frame per ${flags.tickMs} ms; batched-stored: the same with one storage write per frame.`);
}

/** As small as a move can be: [client, sentAtMs, x, y]. Batched frames of them are as big as the puzzle room's. */
type Move = [number, number, number, number];

interface FloorClient {
  index: number;
  socket: WebSocket;
  frames: number;
}

/** One run: connect, send moves at the rate for the duration, read workerd's CPU before and after. */
async function floorRun(port: number, pid: number, behaviour: FloorBehaviour, flags: { rooms: number; clients: number; rate: number; duration: number; tickMs: number }, tag: string): Promise<FloorFigures> {
  const clients: FloorClient[] = [];
  const echoes: number[] = [];
  // Frames are stamped on arrival and decoded after, as the load clients do.
  let inbox: Array<{ client: FloorClient; data: string; at: number }> = [];
  const drain = () => {
    const frames = inbox;
    inbox = [];
    for (const { client, data, at } of frames) {
      // A move is [client, sentAtMs, x, y]; a batched frame is an array of them.
      const parsed = JSON.parse(data) as Move | Move[];
      for (const move of Array.isArray(parsed[0]) ? (parsed as Move[]) : [parsed as Move]) if (move[0] === client.index) echoes.push(at - move[1]);
    }
  };
  const stamp = Date.now().toString(36);
  await Promise.all(
    Array.from({ length: flags.rooms * flags.clients }, (_, index) => {
      const room = `${behaviour}-t${Math.round(flags.tickMs)}-${stamp}-${tag}-${Math.floor(index / flags.clients)}`;
      return new Promise<void>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${port}/parties/main/${room}`, { perMessageDeflate: false });
        const client: FloorClient = { index, socket, frames: 0 };
        socket.on("open", () => resolve());
        socket.on("error", reject);
        socket.on("message", (data) => {
          client.frames++;
          inbox.push({ client, data: String(data), at: performance.now() });
          if (inbox.length === 1) setImmediate(drain);
        });
        clients.push(client);
      });
    }),
  );
  const intervalMs = 1000 / flags.rate;
  let sent = 0;
  const cpuBefore = processGroupCpu(pid);
  const startedAt = performance.now();
  const timers = clients.map((client, index) => {
    let seq = 0;
    const send = () => {
      sent++;
      seq++;
      client.socket.send(JSON.stringify([client.index, Math.round(performance.now() * 10) / 10, 100 + (seq % 50), 200] satisfies Move));
    };
    // Spread the clients' phases over one interval, as independent players would be.
    return setTimeout(() => timers.push(setInterval(send, intervalMs)), (index / clients.length) * intervalMs);
  });
  await new Promise((resolve) => setTimeout(resolve, flags.duration * 1000));
  for (const timer of timers) clearTimeout(timer);
  const elapsedS = (performance.now() - startedAt) / 1000;
  const cpu = cpuDelta(cpuBefore, processGroupCpu(pid));
  const frames = clients.reduce((total, client) => total + client.frames, 0);
  // Echoes of the last moves are still on their way.
  await new Promise((resolve) => setTimeout(resolve, 500));
  drain();
  for (const client of clients) client.socket.close();
  return {
    behaviour,
    movesPerS: sent / elapsedS,
    framesPerClientPerS: frames / clients.length / elapsedS,
    cpuPerMoveUs: (cpu.serverMs * 1000) / sent,
    ownEchoMs: behaviour === "receive" ? null : distribution(echoes),
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
