/**
 * Outlines every held group in its holder's colour, tracing only the group's
 * outer border (sides whose neighbour is in the same group are skipped). Each
 * outline is an image (border-sprite.ts) that follows its group every frame
 * and is made again only when the group's pieces, its holder's colour, its
 * turn or the zoom change (every frame of a turn easing in). It reports where outlines were and are, for partial redraws.
 */
import type Phaser from "phaser";
import { groupMembers } from "../../shared/puzzle-state.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import type { Smoothing } from "./smoothing.ts";
import type { PieceGeometry } from "./piece-geometry.ts";
import type { Rect } from "./play-area.ts";
import { borderSprite, cameraExtern, releaseSprite, spriteArea, type BorderSprite } from "./border-sprite.ts";

/** Outline thickness on screen in CSS px, whatever the zoom. */
const OUTLINE_SCREEN_PX = 3;
const OUTLINE_ALPHA = 0.95;

interface Outline {
  sprite: BorderSprite;
  /** What the image was made for: the group's pieces, the colour and the zoom. */
  look: string;
  anchor: number;
  area: Rect;
}

const sameRect = (a: Rect, b: Rect) => a.left === b.left && a.top === b.top && a.right === b.right && a.bottom === b.bottom;

export class HoldOutlines {
  readonly object: Phaser.GameObjects.Extern;
  private outlines = new Map<number, Outline>();

  constructor(
    scene: Phaser.Scene,
    private readonly store: PuzzleStore,
    private readonly smoothing: Smoothing,
    private readonly geometry: PieceGeometry[],
  ) {
    this.object = cameraExtern(scene, (ctx) => this.render(ctx));
  }

  /**
   * Before a frame: follows the held groups (made again where their look
   * changed) for a camera of `zoom` canvas px and `cssZoom` CSS px per table
   * px, and reports (table px) where an outline was and is, when it moved,
   * changed, appeared or went.
   */
  update(zoom: number, cssZoom: number, damaged: (area: Rect) => void): void {
    const view = this.store.view;
    const next = new Map<number, Outline>();
    if (view) {
      const smoothing = this.smoothing;
      for (const [group, hold] of view.holds) {
        const members = groupMembers(view, group);
        const anchor = members[0];
        if (anchor === undefined) continue;
        const color = this.store.playerColor(hold.playerId);
        let sum = 0;
        for (const id of members) sum += id;
        // A group moves as one, but turns about the held piece: where its last piece lies from the anchor is part of its look.
        const last = members[members.length - 1]!;
        const look = `${color}|${zoom}|${members.length}|${sum}|${smoothing.turns[anchor]}|${smoothing.x[last]! - smoothing.x[anchor]!}|${smoothing.y[last]! - smoothing.y[anchor]!}`;
        const before = this.outlines.get(group);
        const sprite =
          before && before.look === look
            ? before.sprite
            : borderSprite(view.spec, this.geometry, smoothing, members, (neighbour) => neighbour >= 0 && view.pieces[neighbour]!.group === group, anchor, { scale: zoom, lineWidth: OUTLINE_SCREEN_PX / cssZoom, color });
        if (!sprite) continue;
        const area = spriteArea(sprite, smoothing.x[anchor]!, smoothing.y[anchor]!);
        next.set(group, { sprite, look, anchor, area });
        if (before && before.sprite === sprite && sameRect(before.area, area)) continue;
        if (before) damaged(before.area);
        damaged(area);
      }
    }
    for (const [group, before] of this.outlines) {
      if (next.get(group)?.sprite === before.sprite) continue;
      if (!next.has(group)) damaged(before.area);
      releaseSprite(before.sprite);
    }
    this.outlines = next;
  }

  private render(ctx: CanvasRenderingContext2D): void {
    ctx.globalAlpha = OUTLINE_ALPHA;
    for (const { sprite, area } of this.outlines.values()) ctx.drawImage(sprite.canvas, area.left, area.top, sprite.width, sprite.height);
  }
}
