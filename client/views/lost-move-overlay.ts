/**
 * The table's half of the lost-move panel: where a lost move left the piece
 * (a dashed outline of its cell) and where the piece is now (a solid one), with
 * a line between, drawn above the pieces until the panel lets go of it.
 */
import type Phaser from "phaser";
import type { PuzzleSpec } from "../../shared/puzzle-spec.ts";

/** A point on the table (a piece cell's top-left corner). */
export interface TablePoint {
  x: number;
  y: number;
}

const EXPECTED_COLOR = 0x4fb3ff;
const FOUND_COLOR = 0xff7a59;
const LINE_SCREEN_PX = 3;
const DASH_SCREEN_PX = 10;

export class LostMoveOverlay {
  private readonly graphics: Phaser.GameObjects.Graphics;
  private mark: { expected: TablePoint | null; found: TablePoint | null } | null = null;
  private drawnZoom = 0;

  constructor(scene: Phaser.Scene, private readonly spec: PuzzleSpec) {
    this.graphics = scene.add.graphics().setDepth(Number.MAX_SAFE_INTEGER - 10);
  }

  show(mark: { expected: TablePoint | null; found: TablePoint | null } | null): void {
    this.mark = mark;
    this.drawnZoom = 0;
  }

  /** Redraws when the mark or the zoom changed (lines keep their width on screen); says whether it did. */
  draw(zoom: number): boolean {
    if (zoom === this.drawnZoom) return false;
    this.drawnZoom = zoom;
    const graphics = this.graphics.clear();
    const mark = this.mark;
    if (!mark) return true;
    const { pieceWidth: w, pieceHeight: h } = this.spec;
    const width = LINE_SCREEN_PX / zoom;
    if (mark.expected && mark.found) {
      graphics.lineStyle(width, 0xffffff, 0.7).lineBetween(mark.expected.x + w / 2, mark.expected.y + h / 2, mark.found.x + w / 2, mark.found.y + h / 2);
    }
    if (mark.found) graphics.lineStyle(width, FOUND_COLOR, 1).strokeRect(mark.found.x, mark.found.y, w, h);
    if (mark.expected) {
      // Dashed: where it should be is an absence on the table.
      const dash = DASH_SCREEN_PX / zoom;
      const { x, y } = mark.expected;
      graphics.lineStyle(width, EXPECTED_COLOR, 1);
      const edges: Array<[number, number, number, number]> = [
        [x, y, x + w, y],
        [x + w, y, x + w, y + h],
        [x + w, y + h, x, y + h],
        [x, y + h, x, y],
      ];
      for (const [x1, y1, x2, y2] of edges) {
        const length = Math.hypot(x2 - x1, y2 - y1);
        for (let at = 0; at < length; at += 2 * dash) {
          const end = Math.min(length, at + dash);
          graphics.lineBetween(x1 + ((x2 - x1) * at) / length, y1 + ((y2 - y1) * at) / length, x1 + ((x2 - x1) * end) / length, y1 + ((y2 - y1) * end) / length);
        }
      }
    }
    return true;
  }
}
