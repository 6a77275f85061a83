/**
 * `npm run bench:room`: one stateful room, 16 and 64 clients each dragging a held
 * piece at 30 Hz for 20 s, medians of 3 runs; then the highest total rate the
 * room sustains with ack p99 under 50 ms. Prints figures; asserts nothing.
 */
import { Command, Option } from "commander";
import { BENCH_TARGETS, SUSTAINED_ACK_P99_MS, benchConfig, benchFiguresOf, benchRun, searchSustainedRate, type BenchFigures } from "./lib/bench-room.ts";
import { describeMachine, machineInfo } from "./lib/machine.ts";
import { integer, listOf, positive } from "./lib/cli-args.ts";
import { measurePacingLatency, measureRoomCore } from "./lib/room-core-cost.ts";


const program = new Command("bench:room")
  .description("Benchmark one stateful room: clients dragging held pieces; medians of several runs and the highest sustained rate.")
  .addOption(new Option("--clients <list>", "client counts to run").default([16, 64], "16,64").argParser(listOf(integer("--clients", 1, 512))))
  .addOption(new Option("--rate <hz>", "moves per second per client").default(30).argParser(positive("--rate")))
  .addOption(new Option("--duration <s>", "seconds per run").default(20).argParser(positive("--duration")))
  .addOption(new Option("--runs <n>", "runs per client count (medians are printed)").default(3).argParser(integer("--runs", 1, 100)))
  .addOption(new Option("--search-rates <list>", "per-client rates (Hz) tried with the largest client count when searching the sustained rate").default([30, 60, 120, 240, 480], "30,60,120,240,480").argParser(listOf(positive("--search-rates"))))
  .addOption(new Option("--search-duration <s>", "seconds per search step").default(10).argParser(positive("--search-duration")))
  .option("--no-search", "skip the sustained-rate search")
  .option("--core-only", "only time RoomCore in-process (no runtime, no sockets) to split logic from runtime cost", false)
  .option("--json", "print JSON", false)
  .option("--seed <n>", "seed", "1")
  .allowExcessArguments(false);

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<{ clients: number[]; rate: number; duration: number; runs: number; searchRates: number[]; searchDuration: number; search: boolean; coreOnly: boolean; json: boolean; seed: string }>();
  const seed = Number(flags.seed);
  const log = (line: string) => console.error(line);
  const machine = machineInfo();
  log(`machine: ${describeMachine(machine)}`);
  // RoomCore alone, on a simulated clock: what the room's own logic costs per action.
  const core = flags.clients.map((clients) => ({ clients, ...measureRoomCore(clients, flags.rate, flags.duration), pacing: measurePacingLatency(clients, flags.rate, flags.duration) }));
  for (const cost of core) {
    log(`  RoomCore in-process, ${cost.clients} clients x ${flags.rate} Hz: receive ${cost.receiveUsPerAction.toFixed(1)} us/action, flush ${cost.flushUsPerAction.toFixed(1)} us/action (${cost.flushUsPerFrame.toFixed(1)} us/frame), process CPU ${cost.cpuUsPerAction.toFixed(1)} us/action`);
    log(`    counted: ${cost.framesPerAction.toFixed(2)} frames/action (${cost.framesPerClientPerS.toFixed(1)} per client per s, ${Math.round((100 * cost.ackFrames) / Math.max(1, cost.frames))}% with acks), ${Math.round(cost.bytesPerAction)} B/action out, ${cost.flushesPerS.toFixed(0)} flushes/s, ${cost.putsPerS.toFixed(0)} storage puts/s`);
    const { fanOutMs, ackMs } = cost.pacing;
    log(`    pacing alone (simulated clock, arrival at the room to the frame leaving): fan-out p50 / p99 / max ${fanOutMs.p50} / ${fanOutMs.p99} / ${fanOutMs.max} ms, ack ${ackMs.p50} / ${ackMs.p99} / ${ackMs.max} ms`);
  }
  if (flags.coreOnly) {
    if (flags.json) console.log(JSON.stringify({ machine, core }, null, 2));
    return;
  }
  const results: BenchFigures[] = [];
  for (const clients of flags.clients) {
    const runs = [];
    for (let run = 0; run < flags.runs; run++) {
      const figures = await benchRun(benchConfig(clients, flags.rate, flags.duration, seed + run));
      log(`  ${clients} clients x ${flags.rate} Hz run ${run + 1}/${flags.runs}: ack p99 ${figures.ackLatencyMs.p99.toFixed(1)} ms, ${figures.serverCpu?.perActionUs.toFixed(1)} us CPU/action${figures.serverCpu?.serverRestarted ? " (the server restarted mid-run: this run is not valid)" : ""}`);
      runs.push(figures);
    }
    results.push(benchFiguresOf(clients, flags.rate, runs));
  }
  const largest = Math.max(...flags.clients);
  const search = flags.search ? await searchSustainedRate(largest, flags.searchDuration, seed, flags.searchRates, log) : null;
  if (flags.json) {
    console.log(JSON.stringify({ machine, results, targets: BENCH_TARGETS, search, core }, null, 2));
    return;
  }
  console.log(`\nOne stateful room, each client dragging a held piece, ${flags.duration} s per run, median of ${flags.runs} runs`);
  console.log(`machine: ${describeMachine(machine)} (load generator on the same cores)\n`);
  console.log(table(results));
  const at64 = results.find((result) => result.clients === 64 && result.rateHz === 30);
  if (at64) console.log(`\nissue-2 targets at 64 x 30 Hz: ${verdicts(at64).join("; ")}`);
  for (const cost of core) {
    const share = (part: number) => `${Math.round((100 * part) / (cost.receiveUsPerAction + cost.flushUsPerAction))}%`;
    console.log(`RoomCore alone (in-process, no runtime), ${cost.clients} clients: ${cost.cpuUsPerAction.toFixed(1)} us CPU per action (${share(cost.receiveUsPerAction)} receiving actions, ${share(cost.flushUsPerAction)} flushing frames); the rest of workerd's CPU per action is the runtime's socket work`);
  }
  if (search) {
    console.log(
      search.best
        ? `\nhighest sustained rate with ack p99 < ${SUSTAINED_ACK_P99_MS} ms: ${search.steps.every((step) => step.holds) ? "at least " : ""}${Math.round(search.best.appliedPerS)} actions/s applied (${largest} clients x ${search.best.rateHz} Hz, ack p99 ${search.best.ackP99Ms.toFixed(1)} ms)`
        : `\nthe room did not hold ack p99 < ${SUSTAINED_ACK_P99_MS} ms at any rate tried (lowest ${Math.min(...search.steps.map((step) => step.rateHz))} Hz)`,
    );
  }
}

function table(results: BenchFigures[]): string {
  const header = ["clients", "Hz", "applied/s", "ack p50", "ack p99", "fan-out p50", "fan-out p99", "frames/client/s", "B/action", "CPU/action", "lost", "unacked"];
  const rows = results.map((r) => [r.clients, r.rateHz, Math.round(r.appliedPerS), `${r.ackP50Ms.toFixed(1)} ms`, `${r.ackP99Ms.toFixed(1)} ms`, `${r.fanOutP50Ms.toFixed(1)} ms`, `${r.fanOutP99Ms.toFixed(1)} ms`, r.framesPerClientPerS.toFixed(1), Math.round(r.bytesPerAction), `${r.cpuPerActionUs.toFixed(1)} us`, r.lost, r.unacknowledged].map(String));
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padStart(widths[column]!)).join("  ");
  return [line(header), ...rows.map(line)].join("\n");
}

function verdicts(r: BenchFigures): string[] {
  const mark = (ok: boolean) => (ok ? "met" : "MISSED");
  return [
    `lost/unacked 0: ${mark(r.lost === 0 && r.unacknowledged === 0)}`,
    `ack p99 < ${BENCH_TARGETS.ackP99Ms} ms: ${mark(r.ackP99Ms < BENCH_TARGETS.ackP99Ms)}`,
    `fan-out p99 < ${BENCH_TARGETS.fanOutP99Ms} ms: ${mark(r.fanOutP99Ms < BENCH_TARGETS.fanOutP99Ms)}`,
    `<= ${BENCH_TARGETS.framesPerClientPerS} frames/client/s: ${mark(r.framesPerClientPerS <= BENCH_TARGETS.framesPerClientPerS)}`,
    `CPU/action < ${BENCH_TARGETS.cpuPerActionUs} us: ${mark(r.cpuPerActionUs < BENCH_TARGETS.cpuPerActionUs)}`,
  ];
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
