/**
 * A short glow around a group at the moment pieces join it or lock on the board,
 * so a snap is felt as well as seen, whoever made it; `onSnap` hears of each
 * (the click sound).
 */
import type Phaser from "phaser";
import { groupMembers } from "../../shared/puzzle-state.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import type { Smoothing } from "./smoothing.ts";
import { piecesBounds, strokeBorder, type PieceGeometry } from "./piece-geometry.ts";
import type { Rect } from "./play-area.ts";

const FLASH_MS = 450;
/** Glow thickness on screen in CSS px at its start. */
const FLASH_SCREEN_PX = 4;

interface Flash {
  pieces: Set<number>;
  startMs: number;
}

export class SnapFlash {
  private readonly graphics: Phaser.GameObjects.Graphics;
  private flashes: Flash[] = [];
  /** Where the glows of the last frame lay (table px). */
  private drawnAreas: Rect[] = [];

  constructor(
    scene: Phaser.Scene,
    private readonly store: PuzzleStore,
    private readonly smoothing: Smoothing,
    private readonly geometry: PieceGeometry[],
    private readonly onSnap: () => void,
  ) {
    this.graphics = scene.add.graphics().setDepth(Number.MAX_SAFE_INTEGER - 20);
  }

  /**
   * Draws the glows for a view of `cssZoom` CSS px per table px, and reports
   * (table px) where last frame's were and this frame's are.
   */
  draw(cssZoom: number, nowMs: number, damaged: (area: Rect) => void): void {
    const view = this.store.view;
    const smoothing = this.smoothing;
    if (!view) return;
    const snapped = this.store.takeSnaps();
    if (snapped.length > 0) {
      const groups = new Set(snapped.map((id) => view.pieces[id]!.group));
      for (const group of groups) this.flashes.push({ pieces: new Set(groupMembers(view, group)), startMs: nowMs });
      this.onSnap();
    }
    if (this.flashes.length === 0 && this.drawnAreas.length === 0) return;
    for (const area of this.drawnAreas) damaged(area);
    this.drawnAreas = [];
    this.flashes = this.flashes.filter((flash) => nowMs - flash.startMs < FLASH_MS);
    const graphics = this.graphics;
    graphics.clear();
    for (const flash of this.flashes) {
      const fade = 1 - (nowMs - flash.startMs) / FLASH_MS;
      const width = (FLASH_SCREEN_PX * (0.6 + fade)) / cssZoom;
      graphics.lineStyle(width, 0xfff4c2, 0.9 * fade);
      strokeBorder(graphics, view.spec, this.geometry, smoothing, flash.pieces, (neighbour) => flash.pieces.has(neighbour));
      const area = piecesBounds(view.spec, smoothing, flash.pieces, width);
      if (area) this.drawnAreas.push(area);
    }
    for (const area of this.drawnAreas) damaged(area);
  }
}
