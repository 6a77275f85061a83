/**
 * A short glow around a group at the moment pieces join it or lock on the board,
 * so a snap is felt as well as seen, whoever made it; `onSnap` hears of each
 * (the click sound). The glow's image (border-sprite.ts) is made once and
 * fades out; it reports where it was and is, for partial redraws.
 */
import type Phaser from "phaser";
import { groupMembers } from "../../shared/puzzle-state.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import type { Smoothing } from "./smoothing.ts";
import type { PieceGeometry } from "./piece-geometry.ts";
import type { Rect } from "./play-area.ts";
import { borderSprite, cameraExtern, releaseSprite, spriteArea, type BorderSprite } from "./border-sprite.ts";
import { glowing } from "./snap-glow.ts";

const FLASH_MS = 450;
/** Glow thickness on screen in CSS px. */
const FLASH_SCREEN_PX = 4;
const FLASH_COLOR = "#fff4c2";
const FLASH_ALPHA = 0.9;
interface Flash {
  sprite: BorderSprite;
  anchor: number;
  startMs: number;
  area: Rect;
  alpha: number;
}

export class SnapFlash {
  readonly object: Phaser.GameObjects.Extern;
  private flashes: Flash[] = [];

  constructor(
    scene: Phaser.Scene,
    private readonly store: PuzzleStore,
    private readonly smoothing: Smoothing,
    private readonly geometry: PieceGeometry[],
    private readonly onSnap: () => void,
  ) {
    this.object = cameraExtern(scene, (ctx) => this.render(ctx));
  }

  /**
   * Before a frame: starts a glow for each group that snapped, fades the rest
   * for a camera of `zoom` canvas px and `cssZoom` CSS px per table px, and
   * reports (table px) where glows were and are.
   */
  update(zoom: number, cssZoom: number, nowMs: number, damaged: (area: Rect) => void): void {
    const view = this.store.view;
    if (!view) return;
    const snapped = this.store.takeSnaps();
    if (snapped.length > 0) {
      const joinedByGroup = new Map<number, Set<number>>();
      for (const id of snapped) {
        const group = view.pieces[id]!.group;
        let joined = joinedByGroup.get(group);
        if (!joined) joinedByGroup.set(group, (joined = new Set()));
        joined.add(id);
      }
      for (const [group, joined] of joinedByGroup) {
        const members = glowing(groupMembers(view, group), joined);
        const anchor = members.values().next().value;
        if (anchor === undefined) continue;
        // Traced where the pieces come to rest, not where they are drawn now: the
        // pieces that snapped are still gliding in, and the glow follows the anchor.
        const rest = { x: [] as number[], y: [] as number[], turns: [] as number[] };
        for (const id of members) {
          const piece = view.pieces[id]!;
          rest.x[id] = piece.x;
          rest.y[id] = piece.y;
          rest.turns[id] = piece.rotation;
        }
        const sprite = borderSprite(view.spec, this.geometry, rest, members, (neighbour) => members.has(neighbour), anchor, { scale: zoom, lineWidth: FLASH_SCREEN_PX / cssZoom, color: FLASH_COLOR });
        if (sprite) this.flashes.push({ sprite, anchor, startMs: nowMs, area: spriteArea(sprite, this.smoothing.x[anchor]!, this.smoothing.y[anchor]!), alpha: FLASH_ALPHA });
      }
      this.onSnap();
    }
    const live: Flash[] = [];
    for (const flash of this.flashes) {
      damaged(flash.area);
      if (nowMs - flash.startMs >= FLASH_MS) {
        releaseSprite(flash.sprite);
        continue;
      }
      flash.alpha = FLASH_ALPHA * (1 - (nowMs - flash.startMs) / FLASH_MS);
      flash.area = spriteArea(flash.sprite, this.smoothing.x[flash.anchor]!, this.smoothing.y[flash.anchor]!);
      damaged(flash.area);
      live.push(flash);
    }
    this.flashes = live;
  }

  private render(ctx: CanvasRenderingContext2D): void {
    for (const { sprite, area, alpha } of this.flashes) {
      ctx.globalAlpha = alpha;
      ctx.drawImage(sprite.canvas, area.left, area.top, sprite.width, sprite.height);
    }
  }
}
