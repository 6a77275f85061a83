/**
 * `npm run abuse`: the attacks of issue 10 replayed against a local `partykit
 * dev` (loopback only; persistence on, in a temporary directory), one after
 * the other, while good players drag their own pieces at 25 Hz in the attacked
 * room and in another. For each attack it prints what it tried, what the
 * server did, the good players' ack p50/p99 before and during it, and
 * workerd's memory before and after. A last row opens and closes 1,000 sockets
 * on a fresh server of the room and on a fresh do-nothing floor room, to show
 * the runtime's own share of what connections leave behind. Attackers run in processes of
 * their own (testkit/attacks/run-attack.ts). Bounded: about 8 minutes, 3 with --quick.
 *
 *   npm run abuse -- [--only flood,squat] [--quick] [--project <dir>] [--json]
 *
 * `--project` runs another checkout's server (e.g. the code before issue 10)
 * with the same attacks, for a before/after table.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { startPartykitDev, type PartykitDev } from "../testkit/partykit-dev.ts";
import { snapshotProject } from "../testkit/project-snapshot.ts";
import { GoodPlayers, type GoodWindow } from "../testkit/attacks/good-players.ts";
import { runAttack } from "../testkit/attacks/run-attack.ts";
import { sleep } from "../testkit/scripted/play.ts";
import { ABUSE_ROWS, type AbuseContext } from "./lib/abuse-rows.ts";
import { megabytes, serverRssBytes } from "./lib/process-memory.ts";
import { describeMachine, machineInfo } from "./lib/machine.ts";

const FLOOR_PROJECT = fileURLToPath(new URL("./floor-room", import.meta.url));
const GOOD_ROOM = "abuse-good";
const OTHER_ROOM = "abuse-other";
/** Quiet play before each attack, the good players' reference. */
const QUIET_MS = 3_000;

const program = new Command("abuse")
  .description("Replay the attacks of issue 10 against a local partykit dev and print what the server did, the good players' latency and workerd's memory.")
  .option("--only <names>", `comma-separated rows to run: ${ABUSE_ROWS.map((row) => row.name.split(",")[0]).filter((name, index, all) => all.indexOf(name) === index).join(", ")}, runtime`)
  .option("--quick", "shorter attacks (a quick look; full runs for the figures)", false)
  .option("--project <dir>", "run this checkout's server instead of this one (e.g. the code before the limits)")
  .option("--json", "print JSON instead of the table", false)
  .allowExcessArguments(false);

interface RowFigures {
  name: string;
  tried: string;
  did: string;
  quiet: GoodWindow;
  sameRoom: GoodWindow;
  otherRoom: GoodWindow;
  rssBeforeBytes: number;
  rssAfterBytes: number;
}

const latency = (window: GoodWindow): string => (window.acked ? `${window.ackMs.p50.toFixed(1)}/${window.ackMs.p99.toFixed(0)}` : "-");
const lost = (window: GoodWindow): string => (window.unanswered || window.rejected ? ` (${window.unanswered} unanswered, ${window.rejected} rejected)` : "");

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<{ only?: string; quick: boolean; project?: string; json: boolean }>();
  const only = flags.only?.split(",").map((name) => name.trim());
  const wanted = (name: string) => !only || only.some((prefix) => name.startsWith(prefix));
  const log = (line: string) => console.error(line);
  log(`machine: ${describeMachine(machineInfo())}`);

  const snapshot = flags.project ? null : snapshotProject();
  const persistDir = mkdtempSync(join(tmpdir(), "puzzle-rooms-abuse-"));
  const dev = await startPartykitDev({ cwd: flags.project ?? snapshot!.dir, persistDir });
  const host = `127.0.0.1:${dev.port}`;
  const rows: RowFigures[] = [];
  let runtime: { roomBytesPerSocket: number; floorBytesPerSocket: number } | null = null;
  try {
    const context: AbuseContext = { host, goodRoom: GOOD_ROOM, quick: flags.quick };
    for (const row of ABUSE_ROWS) {
      if (!wanted(row.name)) continue;
      const good = await GoodPlayers.start(host, [GOOD_ROOM, OTHER_ROOM], 4);
      await sleep(QUIET_MS);
      const quiet = good.window(Date.now() - QUIET_MS, Date.now());
      const rssBeforeBytes = serverRssBytes(dev.pid);
      log(`${row.name}: ${row.tried}`);
      const attemptedAtMs = Date.now();
      const { did, startedAtMs, endedAtMs } = await row.run(context).catch((error: unknown) => ({ did: `the attack failed: ${String(error).slice(0, 300)}`, startedAtMs: attemptedAtMs, endedAtMs: Date.now() }));
      await sleep(1_000);
      const rssAfterBytes = serverRssBytes(dev.pid);
      const figures: RowFigures = { name: row.name, tried: row.tried, did, quiet, sameRoom: good.window(startedAtMs, endedAtMs, GOOD_ROOM), otherRoom: good.window(startedAtMs, endedAtMs, OTHER_ROOM), rssBeforeBytes, rssAfterBytes };
      await good.stop();
      if (good.closes.length) figures.did += `; good players closed: ${good.closes.join(", ")}`;
      log(`  -> ${did}; good ack p50/p99 ${latency(quiet)} -> ${latency(figures.sameRoom)} ms here, ${latency(figures.otherRoom)} ms in another room; workerd ${megabytes(rssBeforeBytes)} -> ${megabytes(rssAfterBytes)} MB`);
      rows.push(figures);
    }
  } finally {
    await dev.stop();
    snapshot?.remove();
    rmSync(persistDir, { recursive: true, force: true });
  }

  if (wanted("runtime")) {
    const fresh = flags.project ? null : snapshotProject();
    try {
      runtime = await runtimeShare(flags.project ?? fresh!.dir, log);
    } finally {
      fresh?.remove();
    }
  }
  if (flags.json) {
    console.log(JSON.stringify({ rows, runtime }, null, 2));
    return;
  }
  console.log("\n| attack | tried | what the server did | good ack p50/p99 ms: quiet -> same room, other room | workerd MB before -> after |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const row of rows) {
    console.log(`| ${row.name} | ${row.tried} | ${row.did} | ${latency(row.quiet)} -> ${latency(row.sameRoom)}${lost(row.sameRoom)}, ${latency(row.otherRoom)}${lost(row.otherRoom)} | ${megabytes(row.rssBeforeBytes)} -> ${megabytes(row.rssAfterBytes)} |`);
  }
  if (runtime) {
    console.log(`\nruntime's share: 1,000 sockets opened and closed leave ${(runtime.roomBytesPerSocket / 1024).toFixed(0)} KB each in workerd serving the room, ${(runtime.floorBytesPerSocket / 1024).toFixed(0)} KB each serving the do-nothing floor room`);
  }
}

/** RSS left per socket opened and closed, on a fresh server of the room and on a fresh floor room's. */
async function runtimeShare(project: string, log: (line: string) => void): Promise<{ roomBytesPerSocket: number; floorBytesPerSocket: number }> {
  const sockets = 1_000;
  const measure = async (server: PartykitDev, room: string): Promise<number> => {
    // A first round warms the runtime up; the second is measured.
    await runAttack("churn", { host: `127.0.0.1:${server.port}`, room, sockets: 100, batch: 50 });
    await sleep(1_000);
    const before = serverRssBytes(server.pid);
    await runAttack("churn", { host: `127.0.0.1:${server.port}`, room, sockets, batch: 50 });
    await sleep(2_000);
    return (serverRssBytes(server.pid) - before) / sockets;
  };
  const room = await startPartykitDev({ cwd: project });
  let roomBytesPerSocket: number;
  try {
    roomBytesPerSocket = await measure(room, "abuse-churn");
  } finally {
    await room.stop();
  }
  const floor = await startPartykitDev({ cwd: FLOOR_PROJECT });
  try {
    const floorBytesPerSocket = await measure(floor, "receive-churn");
    log(`runtime: ${(roomBytesPerSocket / 1024).toFixed(0)} KB per socket in the room, ${(floorBytesPerSocket / 1024).toFixed(0)} KB in the floor room`);
    return { roomBytesPerSocket, floorBytesPerSocket };
  } finally {
    await floor.stop();
  }
}

await main();
