/**
 * A short glow around a group at the moment pieces join it or lock on the board,
 * so a snap is felt as well as seen, whoever made it.
 */
import type Phaser from "phaser";
import { groupMembers } from "../../shared/puzzle-state.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import type { Smoothing } from "./smoothing.ts";
import { strokeBorder, type PieceGeometry } from "./piece-geometry.ts";

const FLASH_MS = 450;
const FLASH_SCREEN_PX = 4;

interface Flash {
  pieces: Set<number>;
  startMs: number;
}

export class SnapFlash {
  private readonly graphics: Phaser.GameObjects.Graphics;
  private flashes: Flash[] = [];

  constructor(
    scene: Phaser.Scene,
    private readonly store: PuzzleStore,
    private readonly smoothing: Smoothing,
    private readonly geometry: PieceGeometry[],
  ) {
    this.graphics = scene.add.graphics().setDepth(Number.MAX_SAFE_INTEGER - 20);
  }

  draw(zoom: number, nowMs: number): void {
    const view = this.store.view;
    const smoothing = this.smoothing;
    if (!view) return;
    const snapped = this.store.takeSnaps();
    if (snapped.length > 0) {
      const groups = new Set(snapped.map((id) => view.pieces[id]!.group));
      for (const group of groups) this.flashes.push({ pieces: new Set(groupMembers(view, group)), startMs: nowMs });
    }
    if (this.flashes.length === 0) return;
    this.flashes = this.flashes.filter((flash) => nowMs - flash.startMs < FLASH_MS);
    const graphics = this.graphics;
    graphics.clear();
    for (const flash of this.flashes) {
      const fade = 1 - (nowMs - flash.startMs) / FLASH_MS;
      graphics.lineStyle((FLASH_SCREEN_PX * (0.6 + fade)) / zoom, 0xfff4c2, 0.9 * fade);
      strokeBorder(graphics, view.spec, this.geometry, smoothing, flash.pieces, (neighbour) => flash.pieces.has(neighbour));
    }
  }
}
