/**
 * Outlines every held group in its holder's colour, tracing only the group's
 * outer border (sides whose neighbour is in the same group are skipped).
 */
import Phaser from "phaser";
import { groupMembers } from "../../shared/puzzle-state.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import { neighbourAcross, SIDES, type PieceGeometry } from "./piece-geometry.ts";

/** Outline thickness on screen, whatever the zoom. */
const OUTLINE_SCREEN_PX = 3;

export class HoldOutlines {
  private readonly graphics: Phaser.GameObjects.Graphics;

  constructor(scene: Phaser.Scene, private readonly store: PuzzleStore, private readonly geometry: PieceGeometry[]) {
    this.graphics = scene.add.graphics().setDepth(Number.MAX_SAFE_INTEGER - 10);
  }

  draw(zoom: number): void {
    const view = this.store.view;
    const smoothing = this.store.smoothing;
    const graphics = this.graphics;
    graphics.clear();
    if (!view || !smoothing) return;
    for (const [group, hold] of view.holds) {
      const color = Phaser.Display.Color.HexStringToColor(this.store.playerColor(hold.playerId)).color;
      graphics.lineStyle(OUTLINE_SCREEN_PX / zoom, color, 0.95);
      for (const id of groupMembers(view, group)) {
        const ox = smoothing.x[id]!;
        const oy = smoothing.y[id]!;
        for (const side of SIDES) {
          const neighbour = neighbourAcross(view.spec, id, side);
          if (neighbour >= 0 && view.pieces[neighbour]!.group === group) continue;
          const points = this.geometry[id]!.sides[side];
          graphics.beginPath();
          graphics.moveTo(ox + points[0]!, oy + points[1]!);
          for (let i = 2; i < points.length; i += 2) graphics.lineTo(ox + points[i]!, oy + points[i + 1]!);
          graphics.strokePath();
        }
      }
    }
  }
}
