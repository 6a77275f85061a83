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
import { DEFAULT_PRICES, type MeasuredInputs } from "./cost-model.ts";
import type { ModeFigures } from "./load-engine.ts";
import { describeMachine, type MachineInfo } from "./machine.ts";
import { BREAK_ACK_P99_MS, type Breakpoint } from "./breakpoints.ts";

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
  const storeOps = (stateless.server["backend.store.reads"] ?? 0) + (stateless.server["backend.store.writes"] ?? 0);
  return {
    statefulCpuUs: stateful.serverCpu?.perActionUs ?? Number.NaN,
    statelessCpuUs: stateless.serverCpu?.perActionUs ?? Number.NaN,
    // The function holds its instance from invocation to answer: the ack latency's median is that wall time plus one hop.
    statelessFunctionMs: stateless.ackLatencyMs.p50,
    statefulEgressBytes: stateful.wire.bytesDownPerAction,
    statelessEgressBytes: stateless.wire.bytesDownPerAction,
    storeBytes: (stateless.store?.bytesReadPerAction ?? 0) + (stateless.store?.bytesWrittenPerAction ?? 0),
    storeOpsPerAction: storeOps / acked,
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
<section><h2>Bytes per move against puzzle size</h2><p class="note">Wire bytes per acknowledged action (up + down, all players) and, for the stateless modes, bytes read from and written to the store. Log scale.</p><div class="chart"><canvas id="bytes"></canvas></div></section>
${data.breakpoints?.length ? `<section><h2>Where each mode breaks</h2><p class="note">Rising load (rooms x players x drag rate); a mode breaks at the first step with ack p99 over ${BREAK_ACK_P99_MS} ms or under 99% of actions acknowledged. Load generator on the same cores.</p><div class="scroll"><table id="breakpoints"></table></div></section>` : ""}
<section><h2>Every run</h2><div class="scroll"><table id="runs"></table></div></section>
<section id="cost"><h2>What it costs per month</h2>
  <p class="note">Measured per-action inputs from the ${escapeHtml(base.label)} workload, turned into a monthly estimate. Every price and the traffic level are inputs: edit them and the estimate recomputes.</p>
  <div class="cost-grid"><form id="prices"></form><div><div id="measured"></div><div id="architectures" class="cards"></div></div></div>
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
.card.stateful{border-top:4px solid var(--stateful)}.card.stateless{border-top:4px solid var(--stateless)}.card.stateless-occ{border-top:4px solid var(--occ)}
.card dl{display:grid;grid-template-columns:auto auto;gap:2px 12px;margin:8px 0 0;font-size:13px}.card dt{color:var(--dim)}.card dd{margin:0;text-align:right;font-variant-numeric:tabular-nums}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:right;white-space:nowrap}th{color:var(--dim);font-weight:600}td:first-child,th:first-child,td:nth-child(2),th:nth-child(2){text-align:left}
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
  storeUsdPerMillionOps: ["Stateless FaaS + store", "store, USD per million ops"], storeTransferUsdPerGb: ["Stateless FaaS + store", "store transfer, USD/GB"], pushUsdPerMillionMessages: ["Stateless FaaS + store", "push, USD per million messages"],
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
