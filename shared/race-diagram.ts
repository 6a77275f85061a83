/**
 * One lost move of the naive stateless mode, explained and drawn: from the
 * store's evidence of an overwrite (shared/http.ts OverwriteEvidence), the
 * sentence ("your drop of piece 41, stored as revision 1,203, was erased by a
 * write built on revision 1,202, 38 ms later") and a sequence diagram as SVG
 * markup: the two functions and the store as lifelines, time going down, each
 * read and write an arrow labelled with its revision. Pure text, so the HUD's
 * lost-move panel and the comparison report draw the same picture.
 */
import type { OverwriteEvidence, TracedWrite } from "./http.ts";

/** The overwrite that erased the write of `playerId`'s action `seq`, and that write; null when the evidence has none. */
export function findErasure(overwrites: readonly OverwriteEvidence[], playerId: string, seq: number): { overwrite: OverwriteEvidence; erased: TracedWrite } | null {
  for (let index = overwrites.length - 1; index >= 0; index--) {
    const overwrite = overwrites[index]!;
    const erased = overwrite.erased.find((write) => write.trace?.playerId === playerId && write.trace.seq === seq);
    if (erased) return { overwrite, erased };
  }
  return null;
}

const thousands = (value: number): string => value.toLocaleString("en-US");

function actionLabel(write: TracedWrite, owner: "your" | "their"): string {
  const trace = write.trace;
  if (!trace?.action) return "a write";
  const piece = trace.pieceId === undefined ? "" : ` of piece ${trace.pieceId}`;
  return `${owner} ${trace.action}${piece}`;
}

/** The sentence under the diagram. `mine` says whether the erased write was this reader's own action. */
export function describeErasure(overwrite: OverwriteEvidence, erased: TracedWrite, mine = true): string {
  const { erasing } = overwrite;
  const later = Math.max(0, Math.round(erasing.writtenAtMs - erased.writtenAtMs));
  const what = actionLabel(erased, mine ? "your" : "their");
  const by = erasing.trace?.action ? ` (a ${erasing.trace.action}${erasing.trace.pieceId === undefined ? "" : ` of piece ${erasing.trace.pieceId}`})` : "";
  const behind = overwrite.revisionsBehind === 1 ? "" : `, ${overwrite.revisionsBehind} revisions behind`;
  return `${what[0]!.toUpperCase()}${what.slice(1)}, stored as revision ${thousands(erased.revision)}, was erased by a write${by} built on revision ${thousands(erasing.basedOn ?? 0)}, ${later} ms later${behind}.`;
}

const escape = (text: string): string => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** Size of the diagram in px (the SVG scales with its box). */
export const RACE_DIAGRAM_WIDTH_PX = 360;
export const RACE_DIAGRAM_HEIGHT_PX = 200;

/**
 * The sequence diagram of one erasure, as an `<svg>` element's markup. Lanes:
 * the function whose write was erased (A), the store, the function that erased
 * it (B). Arrows in time order, evenly spaced (their times are in the labels).
 */
export function raceDiagramSvg(overwrite: OverwriteEvidence, erased: TracedWrite, colors = { erased: "#4fb3ff", erasing: "#ff7a59", ink: "#dfe7e2" }): string {
  const { erasing } = overwrite;
  const w = RACE_DIAGRAM_WIDTH_PX;
  const h = RACE_DIAGRAM_HEIGHT_PX;
  const lanes = { a: 50, store: w / 2, b: w - 50 };
  const t0 = Math.min(erased.readAtMs ?? erased.writtenAtMs, erasing.readAtMs ?? erasing.writtenAtMs);
  const ms = (at: number | null): string => (at === null ? "?" : `+${Math.round(at - t0)} ms`);
  type Arrow = { at: number; from: number; to: number; color: string; label: string };
  const arrows: Arrow[] = [];
  if (erased.readAtMs !== null) arrows.push({ at: erased.readAtMs, from: lanes.store, to: lanes.a, color: colors.erased, label: `read r${thousands(erased.basedOn ?? 0)} ${ms(erased.readAtMs)}` });
  if (erasing.readAtMs !== null) arrows.push({ at: erasing.readAtMs, from: lanes.store, to: lanes.b, color: colors.erasing, label: `read r${thousands(erasing.basedOn ?? 0)} ${ms(erasing.readAtMs)}` });
  arrows.push({ at: erased.writtenAtMs, from: lanes.a, to: lanes.store, color: colors.erased, label: `write → r${thousands(erased.revision)} ${ms(erased.writtenAtMs)}` });
  arrows.push({ at: erasing.writtenAtMs, from: lanes.b, to: lanes.store, color: colors.erasing, label: `write on r${thousands(erasing.basedOn ?? 0)} → r${thousands(erasing.revision)} ${ms(erasing.writtenAtMs)}` });
  // Stable order: by time, and a write after the read it was built on when the clock cannot tell them apart.
  arrows.sort((left, right) => left.at - right.at);
  const top = 44;
  const step = (h - top - 16) / Math.max(1, arrows.length - 1);
  const parts: string[] = [];
  const text = (x: number, y: number, body: string, color: string, anchor = "middle", size = 11) =>
    `<text x="${x}" y="${y}" fill="${color}" font-size="${size}" text-anchor="${anchor}" font-family="system-ui, sans-serif">${escape(body)}</text>`;
  parts.push(text(lanes.a, 14, "function A", colors.erased), text(lanes.a, 28, actionLabel(erased, "their").replace(/^their /, ""), colors.erased, "middle", 10));
  parts.push(text(lanes.store, 14, "store", colors.ink), text(lanes.store, 28, "one document", colors.ink, "middle", 10));
  parts.push(text(lanes.b, 14, "function B", colors.erasing), text(lanes.b, 28, actionLabel(erasing, "their").replace(/^their /, ""), colors.erasing, "middle", 10));
  for (const x of [lanes.a, lanes.store, lanes.b]) parts.push(`<line x1="${x}" y1="${top - 8}" x2="${x}" y2="${h - 4}" stroke="${colors.ink}" stroke-opacity="0.35" stroke-dasharray="3 3"/>`);
  arrows.forEach((arrow, index) => {
    const y = top + index * step;
    const dir = Math.sign(arrow.to - arrow.from);
    parts.push(`<line x1="${arrow.from}" y1="${y}" x2="${arrow.to - dir * 4}" y2="${y}" stroke="${arrow.color}" stroke-width="2"/>`);
    parts.push(`<path d="M${arrow.to} ${y} l${-dir * 8} -4 v8 z" fill="${arrow.color}"/>`);
    parts.push(text((arrow.from + arrow.to) / 2, y - 4, arrow.label, arrow.color, "middle", 10));
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${escape(describeErasure(overwrite, erased, false))}">${parts.join("")}</svg>`;
}
