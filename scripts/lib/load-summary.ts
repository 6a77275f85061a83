/** The human summary of a load run: one block per mode and a total. */
import type { ModeFigures } from "./load-engine.ts";

const ms = (value: number) => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(1) : Math.round(value)} ms` : "n/a");
const num = (value: number, digits = 0) => (Number.isFinite(value) ? value.toLocaleString("en-US", { maximumFractionDigits: digits }) : "n/a");
const pct = (part: number, whole: number) => (whole > 0 ? `${((100 * part) / whole).toFixed(1)}%` : "n/a");

export function formatFigures(figures: ModeFigures): string {
  const { actions } = figures;
  const lines = [
    `== ${figures.mode}: ${figures.rooms} room(s), ${figures.clients} client(s), ${figures.playS.toFixed(1)} s of play`,
    `  actions      sent ${num(actions.sent)} (grab ${num(actions.byType.grab)}, move ${num(actions.byType.move)}, drop ${num(actions.byType.drop)}${actions.byType.rotate !== undefined ? `, rotate ${num(actions.byType.rotate)}` : ""}), acknowledged ${num(actions.acknowledged)} (${pct(actions.acknowledged, actions.sent)}), rejected ${num(actions.rejected)}, unanswered ${num(actions.unanswered)}`,
    `  applied/s    ${num(figures.acknowledgedPerS, 1)}${Object.keys(figures.rejectReasons).length ? `   rejections: ${Object.entries(figures.rejectReasons).map(([reason, count]) => `${reason} ${count}`).join(", ")}` : ""}`,
    `  lost moves   ${num(figures.lostMoves.lost)} of ${num(figures.lostMoves.judgedPieces)} pieces judged (${pct(figures.lostMoves.lost, figures.lostMoves.judgedPieces)})`,
    `  desync       ${num(figures.desync.piecesPerClientMean, 2)} pieces per client (max ${figures.desync.piecesPerClientMax}), ${figures.desync.clientsDesynced}/${figures.desync.clients} clients differ from the server`,
    `  ack latency  p50 ${ms(figures.ackLatencyMs.p50)}  p95 ${ms(figures.ackLatencyMs.p95)}  p99 ${ms(figures.ackLatencyMs.p99)}  max ${ms(figures.ackLatencyMs.max)}`,
    `  fan-out      p99 ${ms(figures.fanOutLatencyMs.p99)} (p50 ${ms(figures.fanOutLatencyMs.p50)}, ${num(figures.fanOutLatencyMs.count)} moves seen by everyone, ${num(figures.fanOutIncomplete)} never seen by someone)`,
    `  per client   ${num(figures.perClientPerS.outgoingFrames, 1)} frames/s, ${num(figures.perClientPerS.outgoingBytes)} B/s from the server`,
    `  wire         ${num(figures.wire.bytesPerAction)} B per action (${num(figures.wire.bytesUpPerAction)} up, ${num(figures.wire.bytesDownPerAction)} down)`,
  ];
  if (figures.store) lines.push(`  store        ${num(figures.store.bytesReadPerAction)} B read + ${num(figures.store.bytesWrittenPerAction)} B written per action`);
  const extra = [
    figures.coldStarts !== null ? `cold starts ${num(figures.coldStarts)}` : "",
    figures.retries !== null ? `retries ${num(figures.retries)}` : "",
    figures.conflicts !== null ? `conflicts ${num(figures.conflicts)}` : "",
  ].filter(Boolean);
  if (extra.length) lines.push(`  functions    ${extra.join(", ")}`);
  lines.push(
    figures.serverCpu
      ? `  server CPU   ${num(figures.serverCpu.perActionUs, 1)} us per action (workerd ${num(figures.serverCpu.totalMs)} ms; partykit dev tooling another ${num(figures.serverCpu.toolingMs)} ms, not counted)`
      : "  server CPU   n/a (remote server)",
  );
  if (figures.serverCpu?.serverRestarted) lines.push("  WARNING      the local server restarted during the run: its rooms were wiped, so lost moves and CPU are not the mode's");
  lines.push(`  generator    ${num(figures.loadGeneratorCpuMsPerS)} ms CPU per second of play (the load generator's own)`);
  return lines.join("\n");
}
