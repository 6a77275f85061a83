/**
 * When the finish panel may come. In the stateful mode the room is the
 * authority, and its "complete" is the finish. In the stateless modes what this
 * screen was told and what the central store holds can differ (that is the case
 * study's desync): the finish comes only when the stored state is complete,
 * and while this screen shows a finished picture the store does not have, the
 * HUD says so. No DOM: tests decide in Node.
 */
import type { Mode, Snapshot } from "../../shared/protocol.ts";

/** The stored (or authoritative) state as the last integrity check fetched it. */
export interface StoredProgress {
  placed: number;
  total: number;
  completedAtMs: number | null;
}

/** What this screen shows: pieces locked on its board, and whether the room said the puzzle is complete. */
export interface ScreenProgress {
  placed: number;
  total: number;
  completedAtMs: number | null;
}

export type FinishVerdict =
  | { kind: "playing" }
  | { kind: "finished"; completedAtMs: number }
  /** This screen shows the puzzle finished and the store does not (yet) have it: `sentence` says so. */
  | { kind: "unsaved"; sentence: string };

export function storedProgress(snapshot: Snapshot): StoredProgress {
  let placed = 0;
  for (const piece of snapshot.pieces) placed += piece[3];
  return { placed, total: snapshot.pieces.length, completedAtMs: snapshot.completedAtMs };
}

export function finishVerdict(mode: Mode, screen: ScreenProgress, stored: StoredProgress | null): FinishVerdict {
  if (mode === "stateful") return screen.completedAtMs === null ? { kind: "playing" } : { kind: "finished", completedAtMs: screen.completedAtMs };
  if (stored && stored.completedAtMs !== null) return { kind: "finished", completedAtMs: stored.completedAtMs };
  const looksFinished = screen.completedAtMs !== null || (screen.total > 0 && screen.placed === screen.total);
  if (!looksFinished) return { kind: "playing" };
  if (!stored) return { kind: "unsaved", sentence: "This screen shows the puzzle finished; checking whether the store has it too…" };
  const missing = stored.total - stored.placed;
  const lost =
    missing > 0
      ? `it has ${stored.placed} of ${stored.total} pieces placed, because whole-state writes racing each other lost the moves of the other ${missing === 1 ? "one" : missing}`
      : "every piece is placed there, but a racing whole-state write lost the completion";
  return { kind: "unsaved", sentence: `This screen shows the puzzle finished, but the stored puzzle is not: ${lost}. That is the desync of the case study.` };
}
