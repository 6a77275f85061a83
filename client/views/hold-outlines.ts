/**
 * Outlines every held group in its holder's colour, tracing only the group's
 * outer border (sides whose neighbour is in the same group are skipped).
 */
import Phaser from "phaser";
import { groupMembers } from "../../shared/puzzle-state.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import type { Smoothing } from "./smoothing.ts";
import { strokeBorder, type PieceGeometry } from "./piece-geometry.ts";

/** Outline thickness on screen, whatever the zoom. */
const OUTLINE_SCREEN_PX = 3;

export class HoldOutlines {
  private readonly graphics: Phaser.GameObjects.Graphics;

  constructor(
    scene: Phaser.Scene,
    private readonly store: PuzzleStore,
    private readonly smoothing: Smoothing,
    private readonly geometry: PieceGeometry[],
  ) {
    this.graphics = scene.add.graphics().setDepth(Number.MAX_SAFE_INTEGER - 10);
  }

  draw(zoom: number): void {
    const view = this.store.view;
    const smoothing = this.smoothing;
    const graphics = this.graphics;
    graphics.clear();
    if (!view) return;
    for (const [group, hold] of view.holds) {
      const color = Phaser.Display.Color.HexStringToColor(this.store.playerColor(hold.playerId)).color;
      graphics.lineStyle(OUTLINE_SCREEN_PX / zoom, color, 0.95);
      strokeBorder(graphics, view.spec, this.geometry, smoothing, groupMembers(view, group), (neighbour) => neighbour >= 0 && view.pieces[neighbour]!.group === group);
    }
  }
}
