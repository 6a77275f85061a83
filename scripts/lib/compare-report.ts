/**
 * The comparison report: one self-contained HTML file (chart.js and the cost
 * model inlined, data embedded) that opens offline.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildSync } from "esbuild";
import type { Mode } from "../../shared/protocol.ts";
import { DEFAULT_PRICES, PRICE_SOURCES, monthlyCosts, type MeasuredInputs } from "./cost-model.ts";
import type { ModeFigures } from "./load-engine.ts";
import { describeMachine, type MachineInfo } from "./machine.ts";
import { BREAK_ACK_P99_MS, type Breakpoint } from "./breakpoints.ts";
import { describeErasure, raceDiagramSvg } from "../../shared/race-diagram.ts";
import { BEHIND_BUCKETS } from "../../shared/http.ts";

export interface Workload {
  label: string;
  rooms: number;
  players: number;
  pieces: number;
  rateHz: number;
  durationS: number;
}

export interface CompareRun {
  workload: Workload;
  figures: ModeFigures;
}

export interface CompareData {
  startedAt: string;
  finishedAt: string;
  machine: MachineInfo;
  target: string;
  seed: number;
  settings: Record<string, number>;
  workloads: Workload[];
  runs: CompareRun[];
  /** Present when compare ran with --breakpoints. */
  breakpoints?: Breakpoint[];
}

const require = createRequire(import.meta.url);

/** Measured per-action inputs of the cost model, from one workload's runs. */
export function measuredInputs(runs: CompareRun[], workload: Workload, statelessMode: Extract<Mode, "stateless" | "stateless-occ">): MeasuredInputs | null {
  const of = (mode: Mode) => runs.find((run) => run.workload === workload && run.figures.mode === mode)?.figures;
  const stateful = of("stateful");
  const stateless = of(statelessMode);
  if (!stateful || !stateless) return null;
  const acked = Math.max(1, stateless.actions.acknowledged);
  const reads = stateless.server["backend.store.reads"] ?? 0;
  const writes = stateless.server["backend.store.writes"] ?? 0;
  const storeOps = reads + writes;
  // Request units go by item size: the functions' byte counters include the modelled padding (STORE_PAD_BYTES).
  const bytesPerRead = reads > 0 ? (stateless.server["backend.functions.storeBytesRead"] ?? 0) / reads : 0;
  const bytesPerWrite = writes > 0 ? (stateless.server["backend.functions.storeBytesWritten"] ?? 0) / writes : 0;
  return {
    statefulCpuUs: stateful.serverCpu?.perActionUs ?? Number.NaN,
    statelessCpuUs: stateless.serverCpu?.perActionUs ?? Number.NaN,
    // The function holds its instance from invocation to answer: the ack latency's median is that wall time plus one hop.
    statelessFunctionMs: stateless.ackLatencyMs.p50,
    statefulEgressBytes: stateful.wire.bytesDownPerAction,
    statelessEgressBytes: stateless.wire.bytesDownPerAction,
    storeBytes: (stateless.store?.bytesReadPerAction ?? 0) + (stateless.store?.bytesWrittenPerAction ?? 0),
    storeOpsPerAction: storeOps / acked,
    storeReadUnitsPerAction: (reads * Math.ceil(bytesPerRead / 4_096)) / acked,
    storeWriteUnitsPerAction: (writes * Math.ceil(bytesPerWrite / 1_024)) / acked,
    framesPerAction: (stateless.perClientPerS.outgoingFrames * stateless.clients) / Math.max(1e-9, stateless.acknowledgedPerS),
  };
}

function costModelScript(): string {
  const entry = fileURLToPath(new URL("./cost-model.ts", import.meta.url));
  const result = buildSync({ entryPoints: [entry], bundle: true, format: "iife", globalName: "CostModel", write: false, target: "es2020" });
  return result.outputFiles[0]!.text;
}

function inlineScript(source: string): string {
  return `<script>${source.replace(/<\/script/gi, "<\\/script")}</script>`;
}

/**
 * The race made visible: per stateless mode of the base workload, one real
 * lost move of the run drawn from the store's trace, the share of stored
 * writes that were stale, and (in the page) the revisions-behind histogram.
 */
function raceSection(data: CompareData): string {
  const base = data.workloads[0]!;
  const runs = data.runs.filter((run) => run.workload === base && run.figures.race);
  if (runs.length === 0) return "";
  const cards = runs.map(({ figures }) => {
    const race = figures.race!;
    const stale = `${(100 * race.staleShare).toFixed(1)}% of stored writes were stale (built on a revision older than the stored one)`;
    const example = race.example
      ? `<div class="race-diagram">${raceDiagramSvg(race.example.overwrite, race.example.erased)}</div><p>${escapeHtml(describeErasure(race.example.overwrite, race.example.erased).replace(/^Your /, "A player's "))}</p>`
      : `<p class="note">No overwrite erased a move in this run.</p>`;
    return `<div class="card ${figures.mode}"><h3>${escapeHtml(figures.mode)}</h3><p>${escapeHtml(stale)}.</p>${example}</div>`;
  });
  return `<section id="race"><h2>The race, one lost move of this run <small>(${escapeHtml(base.label)})</small></h2>
  <p class="note">From the store's trace (GET ?evidence=1): which function read which revision, which write committed the acknowledged move, and which later write, built on an older revision, put the old copy back.</p>
  <div class="cards">${cards.join("")}</div>
  <h3>How many revisions behind the erasing writes were</h3><p class="note">Every overwrite of the run, by how many stored revisions its writer had not read (the last bar: ${BEHIND_BUCKETS} or more).</p><div class="chart"><canvas id="behind"></canvas></div></section>`;
}

/** The prices the cost section starts from, each with its source and date, and whether it could be checked here. */
function priceSourcesSection(): string {
  const rows = PRICE_SOURCES.map(
    (source) =>
      `<tr><td>${escapeHtml(source.what)}</td><td><a href="${escapeHtml(source.url)}">${escapeHtml(source.url.replace(/^https:\/\//, ""))}</a></td><td>${escapeHtml(source.dated)}</td><td>${source.checked ? "yes" : "no: check before relying on it"}</td></tr>`,
  );
  return `<h3>Where the default prices come from</h3><div class="scroll"><table class="sources"><tr><th>price</th><th>source</th><th>dated</th><th>checked on the vendor's page</th></tr>${rows.join("")}</table></div>`;
}

/**
 * Every claim of the case study (the product brief) beside what this run
 * measured, on the base workload. The cost line prices the measured inputs at
 * the default prices (the section below lets a reader change them).
 */
function caseStudySection(data: CompareData): string {
  const base = data.workloads[0]!;
  const of = (mode: Mode) => data.runs.find((run) => run.workload === base && run.figures.mode === mode)?.figures;
  const stateful = of("stateful");
  const naive = of("stateless");
  if (!stateful || !naive) return "";
  const fmt = (value: number, digits = 0) => (Number.isFinite(value) ? value.toLocaleString("en-US", { maximumFractionDigits: digits }) : "n/a");
  const invocations = naive.server["backend.functions.invocations"] ?? 0;
  const documentBytes = naive.server["backend.store.documentBytes"] ?? 0;
  const measured = measuredInputs(data.runs, base, "stateless");
  const costs = measured ? monthlyCosts(measured, DEFAULT_PRICES) : null;
  const faas = costs?.[1]?.totalUsd ?? Number.NaN;
  const edge = costs?.[2]?.totalUsd ?? Number.NaN;
  const line = (index: number, label: string) => costs?.[index]?.lines.find((entry) => entry.label === label)?.usd ?? Number.NaN;
  const faasCompute = line(1, "Function time");
  const edgeCompute = line(2, "Room duration");
  const pad = data.settings.storePadBytes ?? 0;
  const rows: Array<[string, string]> = [
    ["Now and then a cold start of about 1.2 s", `${fmt(naive.coldStarts ?? 0)} cold starts in ${fmt(invocations)} invocations (${invocations ? ((100 * (naive.coldStarts ?? 0)) / invocations).toFixed(2) : "n/a"} %), each COLD_START_MS as configured (1,200 ms by default; published: well under 1 %, 0.2 to 1.4 s by bundle size)`],
    ["The whole puzzle state, about 4 MB, read per move", `${fmt(naive.store?.bytesReadPerAction ?? Number.NaN)} B read and ${fmt(naive.store?.bytesWrittenPerAction ?? Number.NaN)} B written per acknowledged action; stored document ${fmt(documentBytes)} B for ${base.pieces} pieces${pad ? `, padded by ${fmt(pad)} B to the case study's size` : " (run with --store-pad-bytes 4000000 for the case study's size)"}`],
    ["The room applies each move in memory in under a millisecond", `${stateful.serverCpu ? fmt(stateful.serverCpu.perActionUs, 1) : "n/a"} us of server CPU per acknowledged action in the stateful room (workerd, all of it: parsing, rules, fan-out)`],
    ["Moves were lost and pieces rubber-banded", `stateless: ${fmt(naive.lostMoves.lost)} of ${fmt(naive.lostMoves.judgedPieces)} moved pieces lost their last acknowledged move; stateful: ${fmt(stateful.lostMoves.lost)} of ${fmt(stateful.lostMoves.judgedPieces)}`],
    ["Clients drifted apart (desync)", `stateless: ${fmt(naive.desync.piecesPerClientMean, 2)} pieces per client shown differently from the store at the end; stateful: ${fmt(stateful.desync.piecesPerClientMean, 2)}`],
    [
      "Compute cost fell by about 70 %",
      costs
        ? `compute alone: function time $${fmt(faasCompute, 2)} against room duration $${fmt(edgeCompute, 2)} a month, ${fmt(100 * (1 - edgeCompute / faasCompute), 1)} % lower; every line: FaaS + store $${fmt(faas, 2)} against an edge stateful room $${fmt(edge, 2)}, ${fmt(100 * (1 - edge / faas), 1)} % lower (default traffic and prices below)`
        : "n/a",
    ],
  ];
  return `<section id="case-study"><h2>The case study side by side <small>(${escapeHtml(base.label)})</small></h2>
  <p class="note">Each claim of the story beside this run's figure. Latency, boot and sizes are modelled where the machine cannot have them (docs/modes.md); the counts are measured.</p>
  <div class="scroll"><table class="claims"><tr><th>the case study says</th><th>this run measured</th></tr>${rows.map(([claim, ours]) => `<tr><td>${escapeHtml(claim)}</td><td>${escapeHtml(ours)}</td></tr>`).join("")}</table></div></section>`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[char]!);

export function renderReport(data: CompareData): string {
  // The UMD build defines the global Chart; the package's exports map does not expose it, so go by its directory.
  const chartJs = readFileSync(join(dirname(require.resolve("chart.js")), "chart.umd.min.js"), "utf8");
  const base = data.workloads[0]!;
  const measured = {
    stateless: measuredInputs(data.runs, base, "stateless"),
    "stateless-occ": measuredInputs(data.runs, base, "stateless-occ"),
  };
  const payload = JSON.stringify({ data, measured, defaults: DEFAULT_PRICES }).replace(/</g, "\\u003c");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>puzzle-rooms: stateful vs stateless, ${escapeHtml(data.startedAt)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style></head>
<body>
<header>
  <h1>Stateful rooms vs stateless functions with a store</h1>
  <p class="lede">The same simulated players, speaking the real protocol, against each mode of <code>puzzle-rooms</code>. Every number below was measured in this run.</p>
  <p class="meta">${escapeHtml(describeMachine(data.machine))} &middot; target: ${escapeHtml(data.target)} &middot; ${escapeHtml(data.startedAt)} to ${escapeHtml(data.finishedAt)} &middot; seed ${data.seed}</p>
</header>
<main>
<section id="headline" class="cards"></section>
<section><h2>Ack latency distribution <small>(${escapeHtml(base.label)})</small></h2><p class="note">Share of acknowledged actions by time from send to ack, on a log-spaced scale.</p><div class="chart"><canvas id="latency"></canvas></div></section>
<section class="two">
  <div><h2>Lost moves by mode and load</h2><p class="note">Pieces whose last acknowledged move or drop is not in the final stored state, as a share of pieces moved.</p><div class="chart"><canvas id="lost"></canvas></div></div>
  <div><h2>Desync by mode and load</h2><p class="note">Pieces where a client's view differs from the server's final state, mean per client.</p><div class="chart"><canvas id="desync"></canvas></div></div>
</section>
${raceSection(data)}
<section><h2>Bytes per move against puzzle size</h2><p class="note">Wire bytes per acknowledged action (up + down, all players) and, for the stateless modes, bytes read from and written to the store. Log scale.</p><div class="chart"><canvas id="bytes"></canvas></div></section>
${data.breakpoints?.length ? `<section><h2>Where each mode breaks</h2><p class="note">Rising load (rooms x players x drag rate); a mode breaks at the first step with ack p99 over ${BREAK_ACK_P99_MS} ms or under 99% of actions acknowledged. Load generator on the same cores.</p><div class="scroll"><table id="breakpoints"></table></div></section>` : ""}
<section><h2>Every run</h2><div class="scroll"><table id="runs"></table></div></section>
${caseStudySection(data)}
<section id="cost"><h2>What it costs per month</h2>
  <p class="note">Measured per-action inputs from the ${escapeHtml(base.label)} workload, turned into a monthly estimate. Every price and the traffic level are inputs: edit them and the estimate recomputes.</p>
  <div class="cost-grid"><form id="prices"></form><div><div id="measured"></div><div id="architectures" class="cards"></div></div></div>
  ${priceSourcesSection()}
</section>
<section><h2>Run parameters</h2><pre id="params"></pre></section>
</main>
${inlineScript(chartJs)}
${inlineScript(costModelScript())}
<script type="application/json" id="report-data">${payload}</script>
${inlineScript(PAGE_SCRIPT)}
</body></html>
`;
}

const STYLE = `
:root{--bg:#0f1420;--panel:#171e2e;--ink:#e8ecf4;--dim:#9aa6bd;--line:#2a3449;--stateful:#3ddc97;--stateless:#ff6b6b;--occ:#ffb454}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:var(--bg);color:var(--ink)}
header{padding:32px 40px 8px}h1{margin:0 0 8px;font-size:28px}.lede{margin:0;color:var(--ink);max-width:70ch}.meta{color:var(--dim);font-size:13px}
main{padding:0 40px 40px}section{background:var(--panel);border:1px solid var(--line);border-radius:12px;padding:20px 24px;margin:18px 0}
section.two{display:grid;grid-template-columns:1fr 1fr;gap:24px;background:none;border:none;padding:0}section.two>div{background:var(--panel);border:1px solid var(--line);border-radius:12px;padding:20px 24px}
h2{margin:0 0 4px;font-size:18px}h2 small{color:var(--dim);font-weight:400}.note{color:var(--dim);margin:0 0 12px;font-size:13px}
.chart{position:relative;height:300px}.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:14px;background:none;border:none;padding:0}
.card{background:var(--panel);border:1px solid var(--line);border-radius:12px;padding:16px 18px}.card h3{margin:0 0 6px;font-size:15px}.card .big{font-size:26px;font-weight:700}
.race-diagram svg{width:100%;max-width:520px;height:auto;background:#0c111b;border-radius:8px}.card.stateful{border-top:4px solid var(--stateful)}.card.stateless{border-top:4px solid var(--stateless)}.card.stateless-occ{border-top:4px solid var(--occ)}
.card dl{display:grid;grid-template-columns:auto auto;gap:2px 12px;margin:8px 0 0;font-size:13px}.card dt{color:var(--dim)}.card dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}th{color:var(--dim);font-weight:600}td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}table.claims td,table.sources td{white-space:normal;text-align:left}
.scroll{overflow-x:auto}.cost-grid{display:grid;grid-template-columns:minmax(260px,340px) 1fr;gap:24px}
form#prices{display:grid;grid-template-columns:1fr 110px;gap:6px 10px;align-content:start;font-size:13px}form#prices h4{grid-column:1/-1;margin:10px 0 2px;color:var(--dim);font-size:12px;text-transform:uppercase;letter-spacing:.05em}
input,select{background:#0c111b;color:var(--ink);border:1px solid var(--line);border-radius:6px;padding:4px 6px;font:inherit;width:100%}
#measured{font-size:13px;color:var(--dim);margin-bottom:12px}#measured b{color:var(--ink)}.arch .total{font-size:24px;font-weight:700}.arch table td{white-space:normal}
pre{white-space:pre-wrap;font-size:12px;color:var(--dim);margin:0}code{color:var(--ink)}
@media (max-width:900px){section.two,.cost-grid{grid-template-columns:1fr}}
`;

/** Runs in the page: draws the charts and the live cost estimate. */
const PAGE_SCRIPT = `
(() => {
const { data, measured, defaults } = JSON.parse(document.getElementById("report-data").textContent);
const COLORS = { stateful: "#3ddc97", stateless: "#ff6b6b", "stateless-occ": "#ffb454" };
const MODES = ["stateful", "stateless", "stateless-occ"].filter((mode) => data.runs.some((run) => run.figures.mode === mode));
const fmt = (value, digits = 0) => Number.isFinite(value) ? value.toLocaleString("en-US", { maximumFractionDigits: digits }) : "n/a";
const ms = (value) => Number.isFinite(value) ? (value < 10 ? value.toFixed(1) : fmt(value)) + " ms" : "n/a";
const pct = (part, whole) => whole > 0 ? (100 * part / whole).toFixed(1) + "%" : "n/a";
const run = (workload, mode) => data.runs.find((r) => r.workload.label === workload.label && r.figures.mode === mode);
const base = data.workloads[0];
Chart.defaults.color = "#9aa6bd"; Chart.defaults.borderColor = "#2a3449"; Chart.defaults.animation = false;
Chart.defaults.maintainAspectRatio = false;

// Headline cards.
document.getElementById("headline").innerHTML = MODES.map((mode) => {
  const f = run(base, mode)?.figures; if (!f) return "";
  return '<div class="card ' + mode + '"><h3>' + mode + '</h3><div class="big">' + fmt(f.lostMoves.lost) + ' lost</div>' +
    '<dl><dt>acknowledged</dt><dd>' + pct(f.actions.acknowledged, f.actions.sent) + '</dd><dt>ack p50 / p99</dt><dd>' + ms(f.ackLatencyMs.p50) + ' / ' + ms(f.ackLatencyMs.p99) + '</dd>' +
    '<dt>desynced pieces/client</dt><dd>' + fmt(f.desync.piecesPerClientMean, 2) + '</dd><dt>bytes/action (wire)</dt><dd>' + fmt(f.wire.bytesPerAction) + '</dd>' +
    (f.store ? '<dt>bytes/action (store)</dt><dd>' + fmt(f.store.bytesReadPerAction + f.store.bytesWrittenPerAction) + '</dd>' : '') +
    '<dt>server CPU/action</dt><dd>' + (f.serverCpu ? fmt(f.serverCpu.perActionUs, 1) + ' us' : 'n/a') + '</dd></dl></div>';
}).join("");

// Latency histogram.
const bins = run(base, MODES[0]).figures.ackLatencyHistogram.upperMs;
new Chart(document.getElementById("latency"), {
  type: "bar",
  data: { labels: bins.map((upper, i) => (i === bins.length - 1 ? ">" + bins[i - 1] : "<=" + upper) + " ms"),
    datasets: MODES.map((mode) => { const h = run(base, mode).figures.ackLatencyHistogram; const total = h.counts.reduce((a, b) => a + b, 0) || 1;
      return { label: mode, data: h.counts.map((c) => 100 * c / total), backgroundColor: COLORS[mode] }; }) },
  options: { scales: { y: { title: { display: true, text: "% of acknowledged actions" } } } },
});

const byLoad = (id, pick, label) => new Chart(document.getElementById(id), {
  type: "bar",
  data: { labels: data.workloads.map((w) => w.label), datasets: MODES.map((mode) => ({ label: mode, backgroundColor: COLORS[mode], data: data.workloads.map((w) => { const r = run(w, mode); return r ? pick(r.figures) : null; }) })) },
  options: { scales: { y: { beginAtZero: true, title: { display: true, text: label } } } },
});
byLoad("lost", (f) => 100 * f.lostMoves.lostPerJudged, "% of moved pieces with a lost move");
byLoad("desync", (f) => f.desync.piecesPerClientMean, "desynced pieces per client");

// Revisions behind, per stateless mode of the base workload.
if (document.getElementById("behind")) {
  const raced = MODES.map((mode) => run(base, mode)).filter((r) => r && r.figures.race);
  const buckets = raced[0].figures.race.revisionsBehind.length;
  new Chart(document.getElementById("behind"), { type: "bar",
    data: { labels: Array.from({ length: buckets }, (_, i) => i === buckets - 1 ? ">=" + (i + 1) : String(i + 1)), datasets: raced.map((r) => ({ label: r.figures.mode, backgroundColor: COLORS[r.figures.mode], data: r.figures.race.revisionsBehind })) },
    options: { scales: { x: { title: { display: true, text: "revisions behind" } }, y: { beginAtZero: true, title: { display: true, text: "overwrites" } } } } });
}

// Bytes per move against puzzle size (workloads with the base player count).
const sized = data.workloads.filter((w) => w.players === base.players && w.rooms === base.rooms).sort((a, b) => a.pieces - b.pieces);
const bytesSets = [];
for (const mode of MODES) {
  bytesSets.push({ label: mode + " wire", borderColor: COLORS[mode], backgroundColor: COLORS[mode], data: sized.map((w) => ({ x: w.pieces, y: run(w, mode)?.figures.wire.bytesPerAction ?? null })) });
  if (sized.some((w) => run(w, mode)?.figures.store)) bytesSets.push({ label: mode + " store", borderDash: [6, 4], borderColor: COLORS[mode], backgroundColor: COLORS[mode], data: sized.map((w) => { const s = run(w, mode)?.figures.store; return { x: w.pieces, y: s ? s.bytesReadPerAction + s.bytesWrittenPerAction : null }; }) });
}
new Chart(document.getElementById("bytes"), { type: "line", data: { datasets: bytesSets },
  options: { scales: { x: { type: "linear", title: { display: true, text: "pieces in the puzzle" } }, y: { type: "logarithmic", title: { display: true, text: "bytes per action" } } } } });

// Table of every run.
const head = ["workload", "mode", "sent", "acked", "rejected", "unanswered", "lost", "desync/client", "ack p50", "ack p95", "ack p99", "ack max", "fan-out p99", "frames/client/s", "B/action wire", "B/action store", "cold starts", "retries", "CPU us/action"];
document.getElementById("runs").innerHTML = "<tr>" + head.map((h) => "<th>" + h + "</th>").join("") + "</tr>" + data.runs.map(({ workload, figures: f }) => "<tr>" + [
  workload.label, f.mode, fmt(f.actions.sent), fmt(f.actions.acknowledged), fmt(f.actions.rejected), fmt(f.actions.unanswered), fmt(f.lostMoves.lost) + " / " + fmt(f.lostMoves.judgedPieces),
  fmt(f.desync.piecesPerClientMean, 2), ms(f.ackLatencyMs.p50), ms(f.ackLatencyMs.p95), ms(f.ackLatencyMs.p99), ms(f.ackLatencyMs.max), ms(f.fanOutLatencyMs.p99), fmt(f.perClientPerS.outgoingFrames, 1),
  fmt(f.wire.bytesPerAction), f.store ? fmt(f.store.bytesReadPerAction + f.store.bytesWrittenPerAction) : "-", f.coldStarts ?? "-", f.retries ?? "-", f.serverCpu ? fmt(f.serverCpu.perActionUs, 1) : "n/a",
].map((cell) => "<td>" + cell + "</td>").join("") + "</tr>").join("");

// Cost: every price is an input; the measured figures come from the runs.
const LABELS = {
  concurrentPlayers: ["Traffic", "concurrent players"], actionsPerPlayerPerS: ["Traffic", "actions per player per s"], playersPerRoom: ["Traffic", "players per room"], activeShare: ["Traffic", "share of the month at that load"],
  vmMonthlyUsd: ["Centralised VM", "VM, USD/month"], vmCores: ["Centralised VM", "cores per VM"], vmUtilisation: ["Centralised VM", "target utilisation"], egressUsdPerGb: ["Centralised VM", "egress, USD/GB"],
  faasUsdPerMillionRequests: ["Stateless FaaS + store", "USD per million invocations"], faasUsdPerGbS: ["Stateless FaaS + store", "USD per GB-s"], faasMemoryGb: ["Stateless FaaS + store", "function memory, GB"],
  storeUsdPerMillionReadUnits: ["Stateless FaaS + store", "store, USD per million read units (4 KB)"], storeUsdPerMillionWriteUnits: ["Stateless FaaS + store", "store, USD per million write units (1 KB)"], storeTransferUsdPerGb: ["Stateless FaaS + store", "store transfer, USD/GB"], pushUsdPerMillionMessages: ["Stateless FaaS + store", "push, USD per million messages"],
  edgeUsdPerMillionRequests: ["Edge stateful room", "USD per million requests"], edgeMessagesPerRequest: ["Edge stateful room", "WebSocket messages per billed request"], edgeUsdPerMillionGbS: ["Edge stateful room", "USD per million GB-s"],
  edgeRoomMemoryGb: ["Edge stateful room", "room memory, GB"], edgeEgressUsdPerGb: ["Edge stateful room", "egress, USD/GB"],
};
const form = document.getElementById("prices");
let group = "";
let html = '<h4>Stateless variant measured</h4><label for="variant">mode</label><select id="variant"><option value="stateless">stateless</option><option value="stateless-occ">stateless-occ</option></select>';
for (const [key, [section, label]] of Object.entries(LABELS)) {
  if (section !== group) { html += "<h4>" + section + "</h4>"; group = section; }
  html += '<label for="' + key + '">' + label + '</label><input type="number" step="any" min="0" id="' + key + '" name="' + key + '" value="' + defaults[key] + '">';
}
form.innerHTML = html;
const recompute = () => {
  const prices = {}; for (const key of Object.keys(LABELS)) prices[key] = Number(form.elements[key].value);
  const variant = document.getElementById("variant").value;
  const m = measured[variant];
  if (!m) { document.getElementById("architectures").innerHTML = "<p>This run has no " + variant + " and stateful pair to price.</p>"; return; }
  document.getElementById("measured").innerHTML = "Measured: stateful <b>" + fmt(m.statefulCpuUs, 1) + " us</b> CPU/action, <b>" + fmt(m.statefulEgressBytes) + " B</b> to players; " + variant + " function busy <b>" + fmt(m.statelessFunctionMs) + " ms</b>/action, <b>" + fmt(m.storeBytes) + " B</b> store traffic and <b>" + fmt(m.storeOpsPerAction, 2) + "</b> store ops per action, " + fmt(m.statelessCpuUs, 1) + " us server CPU/action here.";
  const costs = CostModel.monthlyCosts(m, prices);
  const cheapest = Math.min(...costs.map((c) => c.totalUsd));
  document.getElementById("architectures").innerHTML = costs.map((c) => '<div class="card arch"><h3>' + c.name + '</h3><div class="total">$' + fmt(c.totalUsd, 2) + '<small> / month' + (c.totalUsd === cheapest ? " (cheapest)" : " (" + fmt(c.totalUsd / Math.max(cheapest, 1e-9), 1) + "x)") + '</small></div><table>' +
    c.lines.map((line) => "<tr><td>" + line.label + "</td><td>$" + fmt(line.usd, 2) + "</td><td>" + line.detail + "</td></tr>").join("") + "</table></div>").join("");
};
form.addEventListener("input", recompute);
recompute();

if (data.breakpoints && data.breakpoints.length) {
  document.getElementById("breakpoints").innerHTML = "<tr><th>mode</th><th>settings</th><th>breaks at</th><th>acks/s there</th><th>ack p99 there</th><th>acked there</th><th>last load that held</th><th>acks/s held</th></tr>" + data.breakpoints.map((b) => {
    const held = b.steps.filter((s) => !s.breaks).pop();
    const step = (s) => s ? s.rooms + " x " + s.players + " x " + s.rateHz + " Hz" : "-";
    const at = b.breaksAt;
    return "<tr><td>" + b.mode + "</td><td>" + (Object.keys(b.settings).length ? Object.entries(b.settings).map(([k, v]) => k + "=" + v).join(", ") : "defaults") + "</td><td>" + (at ? step(at) : "held the whole ladder") + "</td><td>" + (at ? fmt(at.acknowledgedPerS) : "-") + "</td><td>" + (at ? ms(at.ackP99Ms) : "-") + "</td><td>" + (at ? pct(at.ackedShare, 1) : "-") + "</td><td>" + step(held) + "</td><td>" + (held ? fmt(held.acknowledgedPerS) : "-") + "</td></tr>";
  }).join("");
}
document.getElementById("params").textContent = JSON.stringify({ workloads: data.workloads, settings: data.settings, seed: data.seed, target: data.target, machine: data.machine }, null, 2);
window.__reportReady = true;
})();
`;
