/**
 * `npm run bench:client`: how smoothly the browser game draws a big, busy table.
 * Headless Chromium opens a puzzle of N pieces while scripted players (the real
 * protocol, through ProtocolClient) grab, drag and drop pieces; the page's frame
 * times (requestAnimationFrame deltas) and main-thread busy time (CDP
 * Performance metrics, long tasks) are measured over a window and printed.
 * `--dpr` emulates screens of other device pixel ratios: the game draws its
 * canvas at the ratio (capped at 2), so a sharp screen costs more pixels.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";
import { decimal, integer, listOf } from "./lib/cli-args.ts";
import { describeMachine } from "./lib/machine.ts";
import { varsFor } from "./lib/mode-settings.ts";
import { MAX_PIECES, MIN_PIECES } from "../shared/puzzle-spec.ts";
import { chromium, type Browser, type CDPSession, type Page } from "@playwright/test";
import { startPartykitDev } from "../testkit/partykit-dev.ts";
import { ProtocolClient } from "../testkit/protocol-client.ts";
import { median, percentile } from "../testkit/stats.ts";
import { createPrng } from "../shared/prng.ts";
import { solvedPosition } from "../shared/puzzle-spec.ts";
import { PlayTime } from "../testkit/scripted/play.ts";
import { solve } from "../testkit/scripted/solve.ts";
import { aboveBoard } from "../testkit/scripted/choices.ts";
import type { PuzzleOptions } from "../shared/puzzle-spec.ts";
import { CUT_MEASURE } from "../client/views/piece-atlas.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
/** Scripted players drag at this rate, like a person's throttled client. */
const PLAYER_MOVE_HZ = 25;
const MOVES_PER_DRAG = 12;
/** Share of drops that go to the piece's place on the board. */
const HOME_DROP_PROBABILITY = 0.3;
/** Rows of the picture already solved when measuring: a game in progress, not a fresh table. */
const PRE_SOLVED_FRACTION = 0.35;
/** The action limit (per second and burst) while benchmarking: every pre-solve action of the biggest puzzle at once. */
const PRE_SOLVE_ACTIONS_PER_S = 4 * MAX_PIECES;

const program = new Command()
  .name("bench-client")
  .description("Frame rate of the browser game on a busy table, in headless Chromium")
  .option("--pieces <list>", "piece counts to measure, comma-separated", listOf(integer("--pieces", MIN_PIECES, MAX_PIECES)), [1_000, 2_000])
  .option("--dpr <list>", "device pixel ratios to emulate, comma-separated (the canvas draws at up to 2)", listOf(decimal("--dpr", 0.5, 4)), [1])
  .option("--rotation <list>", "rooms with rotation off, on, or both (off,on): turned pieces draw under a transform of their own", listOf(onOff), [false])
  .option("--players <n>", "scripted players moving pieces", integer("--players", 1, 512), 16)
  .option("--runs <n>", "runs of each configuration, each in a fresh room (the table shows their medians)", integer("--runs", 1, 100), 1)
  .option("--seconds <n>", "measurement window per puzzle", integer("--seconds", 1, 3_600), 10)
  .option("--warmup <n>", "seconds of play before measuring", integer("--warmup", 0, 3_600), 3)
  .option("--screenshot <path>", "save a screenshot of the first puzzle in progress", "docs/screenshot-game.png")
  .option("--no-build", "use the existing dist/ instead of building first")
  .option("--profile", "record a CPU profile of the page while measuring and print the hottest functions")
  .option("--trace <path>", "record a Chrome trace (devtools.timeline, cc, viz) of the first run's measurement window to this file and print the busiest threads' events")
  .parse();
const options = program.opts<{ pieces: number[]; dpr: number[]; rotation: boolean[]; players: number; runs: number; seconds: number; warmup: number; screenshot: string; build: boolean; profile?: boolean; trace?: string }>();
const VIEWPORT = { width: 1280, height: 800 };

function onOff(raw: string): boolean {
  if (raw === "on" || raw === "off") return raw === "on";
  throw new InvalidArgumentError(`--rotation takes off, on or off,on, got "${raw}"`);
}

interface Result {
  pieces: number;
  dpr: number;
  rotation: boolean;
  /** The canvas's backing store, as the page made it. */
  canvas: string;
  /** From the lobby's button to the table drawn: snapshot, picture, atlas, first frame. */
  tableDrawnMs: number;
  /** Of that, cutting the pieces (geometry and atlas pages, every mip level). */
  cutMs: number;
  frames: number;
  medianFps: number;
  p5Fps: number;
  mainThreadMsPerFrame: number;
  scriptMsPerFrame: number;
  /** CPU of the page's renderer process (every thread: main, compositor, raster) per frame. */
  rendererCpuMsPerFrame: number;
  /** CPU of the GPU process per frame: with the GPU disabled it is the display compositor, drawing the page in software. */
  compositorCpuMsPerFrame: number;
  longTasks: number;
  actionsPerSecond: number;
}

/** Places the top rows of the picture through ordinary grab/(rotate)/drop actions. */
async function preSolve(player: ProtocolClient): Promise<void> {
  const spec = player.replica!.puzzle.spec;
  const rows = Math.floor(spec.rows * PRE_SOLVED_FRACTION);
  for (let id = 0; id < rows * spec.cols; id++) {
    const home = solvedPosition(spec, id);
    player.act({ type: "grab", pieceId: id });
    if (spec.rotation) player.act({ type: "rotate", pieceId: id, rotation: 0 });
    player.act({ type: "drop", pieceId: id, x: home.x, y: home.y });
  }
  await player.settled(60_000);
}

/**
 * The scripted players, playing `solve` with no think time: grab any loose piece
 * (groups too), drag it in MOVES_PER_DRAG steps with the cursor along, drop it
 * above the board or, three times in ten, where it belongs. Counts the actions.
 */
function startPlayers(players: ProtocolClient[], until: PlayTime): { actions: () => number; done: Promise<void[]> } {
  let actions = 0;
  const done = Promise.all(
    players.map((client, index) =>
      solve(
        { client, until, onSent: () => actions++ },
        {
          prng: createPrng(1_000 + index),
          rateHz: PLAYER_MOVE_HZ,
          thinkMs: { min: 0, max: 0 },
          moves: MOVES_PER_DRAG,
          pick: { alone: false },
          destination: aboveBoard(HOME_DROP_PROBABILITY),
          awaitGrab: true,
          cursor: true,
        },
      ),
    ),
  );
  return { actions: () => actions, done };
}

/** CPU seconds so far of each of the browser's processes, by type and id (CDP SystemInfo). */
async function processCpu(browserCdp: CDPSession): Promise<Array<{ type: string; id: number; cpuTime: number }>> {
  return ((await browserCdp.send("SystemInfo.getProcessInfo")) as { processInfo: Array<{ type: string; id: number; cpuTime: number }> }).processInfo;
}

/**
 * CPU ms per frame of the busiest renderer (the page's: the benchmark opens one
 * page at a time) and of the GPU process, between two processCpu readings.
 */
function processCpuPerFrame(before: Awaited<ReturnType<typeof processCpu>>, after: Awaited<ReturnType<typeof processCpu>>, frames: number): { renderer: number; compositor: number } {
  const spent = (type: string) => after.filter((entry) => entry.type === type).map((entry) => entry.cpuTime - (before.find((old) => old.id === entry.id)?.cpuTime ?? 0));
  const msPerFrame = (seconds: number) => (seconds * 1_000) / Math.max(1, frames);
  return { renderer: msPerFrame(Math.max(0, ...spent("renderer"))), compositor: msPerFrame(spent("GPU").reduce((sum, value) => sum + value, 0)) };
}

async function measure(browser: Browser, page: Page, seconds: number, tracePath: string | undefined): Promise<Omit<Result, "pieces" | "dpr" | "rotation" | "canvas" | "tableDrawnMs" | "cutMs" | "actionsPerSecond">> {
  const cdp = await page.context().newCDPSession(page);
  const browserCdp = await browser.newBrowserCDPSession();
  await cdp.send("Performance.enable");
  const metrics = async () => Object.fromEntries(((await cdp.send("Performance.getMetrics")) as { metrics: Array<{ name: string; value: number }> }).metrics.map((metric) => [metric.name, metric.value]));
  // A string, not a function: tsx would wrap named functions in a helper the page lacks.
  await page.evaluate(`(() => {
    const bench = (window.__bench = { deltas: [], longTasks: 0, running: true });
    new PerformanceObserver((list) => (bench.longTasks += list.getEntries().length)).observe({ type: "longtask" });
    let last = performance.now();
    const frame = (now) => {
      if (!bench.running) return;
      bench.deltas.push(now - last);
      last = now;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  })()`);
  if (options.profile) {
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.start");
  }
  if (tracePath) await browser.startTracing(page, { path: tracePath, categories: ["devtools.timeline", "cc", "viz", "gpu", "blink"] });
  const before = await metrics();
  const cpuBefore = await processCpu(browserCdp);
  await page.waitForTimeout(seconds * 1_000);
  const after = await metrics();
  const cpuAfter = await processCpu(browserCdp);
  if (tracePath) printBusiestThreads(JSON.parse((await browser.stopTracing()).toString("utf8")) as Trace, seconds);
  if (options.profile) printHottest(((await cdp.send("Profiler.stop")) as { profile: CpuProfile }).profile);
  const bench = (await page.evaluate(`(() => {
    window.__bench.running = false;
    return { deltas: window.__bench.deltas.slice(1), longTasks: window.__bench.longTasks };
  })()`)) as { deltas: number[]; longTasks: number };
  const sorted = [...bench.deltas].sort((a, b) => a - b);
  const quantile = (q: number) => percentile(sorted, q);
  const frames = sorted.length;
  const cpu = processCpuPerFrame(cpuBefore, cpuAfter, frames);
  return {
    frames,
    medianFps: 1_000 / quantile(0.5),
    // The 5th percentile of fps is the 95th percentile of frame time.
    p5Fps: 1_000 / quantile(0.95),
    mainThreadMsPerFrame: (((after.TaskDuration ?? 0) - (before.TaskDuration ?? 0)) * 1_000) / frames,
    scriptMsPerFrame: (((after.ScriptDuration ?? 0) - (before.ScriptDuration ?? 0)) * 1_000) / frames,
    rendererCpuMsPerFrame: cpu.renderer,
    compositorCpuMsPerFrame: cpu.compositor,
    longTasks: bench.longTasks,
  };
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

interface Trace {
  traceEvents: Array<{ name: string; ph: string; pid: number; tid: number; ts: number; dur?: number; args?: { name?: string } }>;
}

/**
 * Where the threads of the page and the compositor spent the traced window:
 * per thread, its busy share and the events (complete ones, nested ones
 * counted inside their parents too) with the most total time.
 */
function printBusiestThreads(trace: Trace, seconds: number): void {
  const names = new Map<string, string>();
  for (const event of trace.traceEvents) if (event.ph === "M" && event.name === "thread_name") names.set(`${event.pid}:${event.tid}`, event.args?.name ?? "?");
  const byThread = new Map<string, Map<string, number>>();
  for (const event of trace.traceEvents) {
    if (event.ph !== "X" || !event.dur) continue;
    const thread = `${event.pid}:${event.tid}`;
    const events = byThread.get(thread) ?? new Map<string, number>();
    events.set(event.name, (events.get(event.name) ?? 0) + event.dur);
    byThread.set(thread, events);
  }
  console.log(`trace: busiest threads over ${seconds} s (ms per second of the window, nested events included in their parents)`);
  const top = (events: Map<string, number>) => Math.max(...events.values());
  for (const [thread, events] of [...byThread].sort((a, b) => top(b[1]) - top(a[1])).slice(0, 6)) {
    console.log(`  ${names.get(thread) ?? thread}:`);
    for (const [name, us] of [...events].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`    ${(us / 1_000 / seconds).toFixed(1).padStart(7)} ms/s  ${name}`);
  }
}

/**
 * Self time per function, and total time (with what it calls) of the page's
 * own functions, for finding what to optimise.
 */
function printHottest(profile: CpuProfile): void {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const keyOf = (frame: CpuProfile["nodes"][number]["callFrame"]) => `${frame.functionName || "(anonymous)"} ${frame.url.split("/").pop()}:${frame.lineNumber}`;
  const selfUs = new Map<string, number>();
  const totalUs = new Map<string, number>();
  profile.samples.forEach((nodeId, index) => {
    const frame = byNode.get(nodeId)?.callFrame;
    if (!frame) return;
    const delta = profile.timeDeltas[index] ?? 0;
    selfUs.set(keyOf(frame), (selfUs.get(keyOf(frame)) ?? 0) + delta);
    // Each function on the sample's stack once, however deep it recurses.
    const onStack = new Set<string>();
    for (let id: number | undefined = nodeId; id !== undefined; id = parentOf.get(id)) {
      const node = byNode.get(id);
      if (node && node.callFrame.url) onStack.add(keyOf(node.callFrame));
    }
    for (const key of onStack) totalUs.set(key, (totalUs.get(key) ?? 0) + delta);
  });
  const total = [...selfUs.values()].reduce((sum, value) => sum + value, 0);
  const print = (title: string, times: Map<string, number>, count: number) => {
    console.log(`${title} (of ${(total / 1_000).toFixed(0)} ms sampled):`);
    for (const [name, us] of [...times].sort((a, b) => b[1] - a[1]).slice(0, count)) console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
  };
  print("hottest functions (self time)", selfUs, 20);
  print("page functions with what they call (total time)", totalUs, 15);
}

async function main(): Promise<void> {
  if (options.build) execFileSync("npx", ["vite", "build", "--logLevel", "warn"], { cwd: ROOT, stdio: "inherit" });
  // The pre-solve places a third of the picture from one socket at once, past the
  // per-connection action limit (a burst no person sends); the limits are raised
  // for it, as bench:room raises them. The players' drags stay far inside them.
  const server = await startPartykitDev({ vars: varsFor({ actionsPerS: PRE_SOLVE_ACTIONS_PER_S, actionBurst: PRE_SOLVE_ACTIONS_PER_S }) });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
  const results: Result[] = [];
  const configurations = options.pieces.flatMap((pieces) => options.dpr.flatMap((dpr) => options.rotation.map((rotation) => ({ pieces, dpr, rotation }))));
  const runs = configurations.flatMap((configuration) => Array.from({ length: options.runs }, () => configuration));
  const loadAtStart = describeMachine();
  try {
    for (const [index, { pieces, dpr, rotation }] of runs.entries()) {
      const room = `bench-${pieces}-${rotation ? "turning-" : ""}${Date.now().toString(36)}`;
      const create: PuzzleOptions = { imageId: "alpine-dusk", imageWidth: 1600, imageHeight: 1000, pieceCount: pieces, seed: 2024 + pieces, rotation };
      const host = `127.0.0.1:${server.port}`;
      const players: ProtocolClient[] = [];
      for (let i = 0; i < options.players; i++) players.push(await ProtocolClient.join({ host, room, name: `Bot ${i + 1}`, create }));
      await preSolve(players[0]!);
      const page = await browser.newPage({ viewport: VIEWPORT, deviceScaleFactor: dpr });
      page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
      await page.goto(`${server.url}/?room=${room}&mode=stateful`);
      await page.fill("#name", "Viewer");
      const joinCdp = options.profile ? await page.context().newCDPSession(page) : null;
      if (joinCdp) {
        await joinCdp.send("Profiler.enable");
        await joinCdp.send("Profiler.start");
      }
      const joinedAtMs = Date.now();
      await page.click("#start");
      await page.waitForFunction(() => window.__puzzle?.ready === true, null, { timeout: 120_000 });
      const tableDrawnMs = Date.now() - joinedAtMs;
      const cutMs = (await page.evaluate(`performance.getEntriesByName(${JSON.stringify(CUT_MEASURE)})[0]?.duration ?? Number.NaN`)) as number;
      if (joinCdp) {
        console.log(`joining ${pieces} pieces at ratio ${dpr}, ${(tableDrawnMs / 1_000).toFixed(1)} s to the table drawn:`);
        printHottest(((await joinCdp.send("Profiler.stop")) as { profile: CpuProfile }).profile);
        await joinCdp.detach();
      }
      const backing = (await page.evaluate("(() => { const c = window.__puzzle.canvas(); return c.width + 'x' + c.height; })()")) as string;
      const until = new PlayTime();
      const load = startPlayers(players, until);
      await page.waitForTimeout(options.warmup * 1_000);
      const startActions = load.actions();
      const measured = await measure(browser, page, options.seconds, index === 0 ? options.trace : undefined);
      const actionsPerSecond = (load.actions() - startActions) / options.seconds;
      if (index === 0 && options.screenshot) {
        mkdirSync(dirname(options.screenshot), { recursive: true });
        // Closer than fit-to-screen, so the picture shows piece shapes, holds and cursors.
        for (let i = 0; i < 4; i++) await page.keyboard.press("+");
        await page.waitForTimeout(800);
        await page.screenshot({ path: options.screenshot });
      }
      until.stop();
      await load.done;
      results.push({ pieces, dpr, rotation, canvas: backing, tableDrawnMs, cutMs, ...measured, actionsPerSecond });
      await page.close();
      for (const player of players) player.close();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } finally {
    await browser.close();
    await server.stop();
  }

  console.log(`\nbench:client on ${loadAtStart} at the start (${describeMachine().replace(/.*load average /, "")} at the end)`);
  console.log(`headless Chromium ${VIEWPORT.width}x${VIEWPORT.height} CSS px, Phaser canvas renderer; ${options.players} scripted players dragging at ${PLAYER_MOVE_HZ} Hz; top ${PRE_SOLVED_FRACTION * 100}% of rows solved first; ${options.warmup} s warm-up, ${options.seconds} s measured\n`);
  console.log(`${options.runs} run${options.runs === 1 ? "" : "s"} of each, each in a fresh room; the median of the runs in each column${options.runs > 1 ? ", and each run's median fps" : ""}\n`);
  console.log(`| pieces | device pixel ratio | rotation | canvas px | join to table drawn s | of which cutting s | median fps | p5 fps | main thread ms/frame | script ms/frame | renderer CPU ms/frame | compositor CPU ms/frame | long tasks | room actions/s |${options.runs > 1 ? " runs' median fps |" : ""}`);
  console.log(`|---:|---:|:---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|${options.runs > 1 ? "---|" : ""}`);
  for (const { pieces, dpr, rotation } of configurations) {
    const own = results.filter((result) => result.pieces === pieces && result.dpr === dpr && result.rotation === rotation);
    const mid = (pick: (result: Result) => number) => median(own.map(pick));
    const canvases = [...new Set(own.map((result) => result.canvas))].join(", ");
    const each = options.runs > 1 ? ` ${own.map((result) => result.medianFps.toFixed(1)).join(", ")} |` : "";
    console.log(
      `| ${pieces} | ${dpr} | ${rotation ? "on" : "off"} | ${canvases} | ${(mid((r) => r.tableDrawnMs) / 1_000).toFixed(1)} | ${(mid((r) => r.cutMs) / 1_000).toFixed(2)} | ${mid((r) => r.medianFps).toFixed(1)} | ${mid((r) => r.p5Fps).toFixed(1)} | ${mid((r) => r.mainThreadMsPerFrame).toFixed(2)} | ${mid((r) => r.scriptMsPerFrame).toFixed(2)} | ${mid((r) => r.rendererCpuMsPerFrame).toFixed(2)} | ${mid((r) => r.compositorCpuMsPerFrame).toFixed(2)} | ${mid((r) => r.longTasks)} | ${mid((r) => r.actionsPerSecond).toFixed(0)} |${each}`,
    );
  }
  if (options.screenshot) console.log(`\nscreenshot of the ${options.pieces[0]}-piece game in progress: ${options.screenshot}`);
}

await main();
