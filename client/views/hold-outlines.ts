/**
 * Outlines every held group in its holder's colour, tracing only the group's
 * outer border (sides whose neighbour is in the same group are skipped). It
 * keeps where it drew, so a redraw can report what it covered and covers now.
 */
import Phaser from "phaser";
import { groupMembers } from "../../shared/puzzle-state.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import type { Smoothing } from "./smoothing.ts";
import { piecesBounds, strokeBorder, type PieceGeometry } from "./piece-geometry.ts";
import type { Rect } from "./play-area.ts";

/** Outline thickness on screen in CSS px, whatever the zoom. */
const OUTLINE_SCREEN_PX = 3;

export class HoldOutlines {
  private readonly graphics: Phaser.GameObjects.Graphics;
  /** What each held group's outline looks like now: its area (table px) and how it is drawn. */
  private drawn = new Map<number, { area: Rect; look: string }>();

  constructor(
    scene: Phaser.Scene,
    private readonly store: PuzzleStore,
    private readonly smoothing: Smoothing,
    private readonly geometry: PieceGeometry[],
  ) {
    this.graphics = scene.add.graphics().setDepth(Number.MAX_SAFE_INTEGER - 10);
  }

  /**
   * Draws the outlines for a view of `cssZoom` CSS px per table px, and
   * reports (table px) where outlines changed: the old and the new place of
   * each that moved, appeared, went or changed its look. Outlines redrawn as
   * they were change no pixel.
   */
  draw(cssZoom: number, damaged: (area: Rect) => void): void {
    const view = this.store.view;
    const smoothing = this.smoothing;
    const graphics = this.graphics;
    graphics.clear();
    const drawn = new Map<number, { area: Rect; look: string }>();
    if (view) {
      const width = OUTLINE_SCREEN_PX / cssZoom;
      for (const [group, hold] of view.holds) {
        const color = Phaser.Display.Color.HexStringToColor(this.store.playerColor(hold.playerId)).color;
        graphics.lineStyle(width, color, 0.95);
        const members = groupMembers(view, group);
        strokeBorder(graphics, view.spec, this.geometry, smoothing, members, (neighbour) => neighbour >= 0 && view.pieces[neighbour]!.group === group);
        const area = piecesBounds(view.spec, smoothing, members, width);
        if (area) drawn.set(group, { area, look: `${color}:${width}:${members.length}:${members[0]}` });
      }
    }
    const same = (a: Rect, b: Rect) => a.left === b.left && a.top === b.top && a.right === b.right && a.bottom === b.bottom;
    for (const [group, now] of drawn) {
      const before = this.drawn.get(group);
      if (before && before.look === now.look && same(before.area, now.area)) continue;
      if (before) damaged(before.area);
      damaged(now.area);
    }
    for (const [group, before] of this.drawn) if (!drawn.has(group)) damaged(before.area);
    this.drawn = drawn;
  }
}
