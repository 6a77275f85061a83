/**
 * `npm run compare`: the same workload through every mode at a few sizes (more
 * players, bigger puzzles), written to a self-contained HTML report in reports/.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { MODES, type Mode } from "../shared/protocol.ts";
import { DEFAULT_LOAD_CONFIG, parseHost, parseModes, type LoadConfig } from "./lib/load-config.ts";
import { runMode } from "./lib/load-engine.ts";
import { openTarget } from "./lib/server-target.ts";
import { machineInfo, describeMachine } from "./lib/machine.ts";
import { renderReport, type CompareData, type CompareRun, type Workload } from "./lib/compare-report.ts";
import { screenshotHtml } from "./lib/screenshot.ts";
import { DEFAULT_LADDER, findBreakpoint, type Breakpoint } from "./lib/breakpoints.ts";
import { integer, listOf, positive } from "./lib/cli-args.ts";
import type { ModeSettings } from "./lib/mode-settings.ts";
import { MAX_PIECES, MIN_PIECES } from "../shared/puzzle-spec.ts";


export function compareCommand(): Command {
  return new Command("compare")
    .description("Run one workload through every mode at a few sizes and write an HTML report with charts and a cost estimate.")
    .addOption(new Option("--modes <modes>", "modes to compare").default([...MODES], "all").argParser(parseModes))
    .addOption(new Option("--players <list>", "players per room; the first is the base workload, the others add 'more players' runs").default([8, 16], "8,16").argParser(listOf(integer("--players", 1, 512))))
    .addOption(new Option("--pieces <list>", "puzzle sizes; the first is the base, the others add 'bigger puzzle' runs").default([100, 400, 1000], "100,400,1000").argParser(listOf(integer("--pieces", MIN_PIECES, MAX_PIECES))))
    .addOption(new Option("--rooms <n>", "rooms per run").default(1).argParser(integer("--rooms", 1, 1_000)))
    .addOption(new Option("--rate <hz>", "drag rate per player").default(20).argParser(positive("--rate")))
    .addOption(new Option("--duration <s>", "seconds of play per run").default(8).argParser(positive("--duration")))
    .addOption(new Option("--seed <n>", "seed").default(1).argParser(integer("--seed", 0, 0xffffffff)))
    .addOption(new Option("--host <url>", "a running server instead of local partykit dev").argParser(parseHost))
    .option("--out <file>", "report path (default reports/compare-<time>.html)")
    .option("--json <file>", "also write the raw figures as JSON")
    .option("--screenshot <png>", "also take a full-page screenshot of the report (Debian chromium)")
    .addOption(new Option("--store-bandwidth-mbps <n>", "stateless modes: store link bandwidth in Mbit/s (0: size costs no time)").argParser(integer("--store-bandwidth-mbps", 0, 1_000_000)))
    .addOption(new Option("--store-item-bytes <n>", "stateless modes: largest store item; larger documents are paged").argParser(integer("--store-item-bytes", 1_024, 1_000_000_000)))
    .addOption(new Option("--store-pad-bytes <n>", "stateless modes: bytes per document beyond the puzzle's (the case study's ~4 MB: 4000000)").argParser(integer("--store-pad-bytes", 0, 100_000_000)))
    .option("--breakpoints", "also find where each mode breaks on a rising load (ack p99 > 100 ms or < 99% acked); several minutes more", false)
    .addOption(new Option("--breakpoint-duration <s>", "seconds per breakpoint step").default(6).argParser(positive("--breakpoint-duration")))
    .allowExcessArguments(false);
}

interface CompareFlags {
  modes: Mode[];
  players: number[];
  pieces: number[];
  rooms: number;
  rate: number;
  duration: number;
  seed: number;
  host?: string;
  out?: string;
  json?: string;
  screenshot?: string;
  breakpoints: boolean;
  breakpointDuration: number;
  storeBandwidthMbps?: number;
  storeItemBytes?: number;
  storePadBytes?: number;
}

/** Base workload first, then more players, then bigger puzzles. */
export function workloadsOf(flags: Pick<CompareFlags, "players" | "pieces" | "rooms" | "rate" | "duration">): Workload[] {
  const [basePlayers, ...morePlayers] = flags.players;
  const [basePieces, ...morePieces] = flags.pieces;
  const make = (players: number, pieces: number): Workload => ({ label: `${flags.rooms}x${players} players, ${pieces} pieces`, rooms: flags.rooms, players, pieces, rateHz: flags.rate, durationS: flags.duration });
  return [make(basePlayers!, basePieces!), ...morePlayers.map((players) => make(players, basePieces!)), ...morePieces.map((pieces) => make(basePlayers!, pieces))];
}

async function main(): Promise<void> {
  const command = compareCommand();
  try {
    command.parse();
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    throw error;
  }
  const flags = command.opts<CompareFlags>();
  const workloads = workloadsOf(flags);
  const settings: ModeSettings = {};
  for (const key of ["storeBandwidthMbps", "storeItemBytes", "storePadBytes"] as const) if (flags[key] !== undefined) settings[key] = flags[key];
  if (flags.host && Object.keys(settings).length > 0) throw new Error("the store model's flags configure a local server; a deployed one takes them from its env vars");
  const startedAt = new Date().toISOString();
  console.error(`machine: ${describeMachine()}`);
  const runs: CompareRun[] = [];
  for (const workload of workloads) {
    for (const mode of flags.modes) {
      const config: LoadConfig = { ...DEFAULT_LOAD_CONFIG, modes: [mode], rooms: workload.rooms, players: workload.players, rateHz: workload.rateHz, durationS: workload.durationS, pieces: workload.pieces, seed: flags.seed, host: flags.host, progress: false };
      const target = await openTarget(flags.host, settings);
      try {
        const { figures } = await runMode(mode, config, target);
        runs.push({ workload, figures });
        console.error(`  ${workload.label}, ${mode}: lost ${figures.lostMoves.lost}/${figures.lostMoves.judgedPieces}, ack p99 ${figures.ackLatencyMs.p99.toFixed(1)} ms, ${Math.round(figures.wire.bytesPerAction)} B/action`);
      } finally {
        await target.close();
      }
    }
  }
  const breakpoints: Breakpoint[] = [];
  if (flags.breakpoints) {
    if (flags.host) throw new Error("--breakpoints starts its own servers; it cannot run against --host");
    const base = { durationS: flags.breakpointDuration, pieces: flags.pieces[0]!, seed: flags.seed };
    for (const mode of flags.modes) {
      breakpoints.push(await findBreakpoint(mode, DEFAULT_LADDER, base, {}, (line) => console.error(line)));
      // With the store far away every stateless ack takes two round trips and cold starts set p99; a store next door and no boot time show where throughput and the race run out.
      if (mode !== "stateful") breakpoints.push(await findBreakpoint(mode, DEFAULT_LADDER, base, { storeLatencyMs: 0, storeJitterMs: 0, coldStartMs: 0 }, (line) => console.error(line)));
    }
  }
  const data: CompareData = { startedAt, finishedAt: new Date().toISOString(), machine: machineInfo(), target: flags.host ?? "local partykit dev (own port per run)", seed: flags.seed, settings: { ...settings }, workloads, runs, breakpoints };
  // The figures first: a run of minutes is not lost if rendering fails.
  if (flags.json) {
    writeFileSync(resolve(flags.json), `${JSON.stringify(data, null, 2)}\n`);
    console.log(`figures: ${resolve(flags.json)}`);
  }
  const out = resolve(flags.out ?? `reports/compare-${startedAt.replace(/[:.]/g, "-")}.html`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, renderReport(data));
  console.log(`report: ${out}`);
  if (flags.screenshot) {
    const png = resolve(flags.screenshot);
    mkdirSync(dirname(png), { recursive: true });
    await screenshotHtml(out, png);
    console.log(`screenshot: ${png}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
