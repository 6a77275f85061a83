/**
 * Other players' cursors: an arrow and a name tag in the player's colour, kept
 * the same size on screen at any zoom, fading when a player stops moving. The
 * tag is drawn at the canvas's pixel ratio, and is moved out from under the
 * HUD's boxes so a name never hides behind the toolbar or a panel.
 */
import Phaser from "phaser";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import type { DrawnPositions } from "./drawn-positions.ts";
import { worldToScreen } from "./camera-math.ts";
import { overlaps, shiftClear, type Rect } from "./play-area.ts";

/** A cursor fades out after this long without moving. */
const CURSOR_IDLE_MS = 8_000;
/** Where the tag sits from the arrow's tip, in CSS px. */
const TAG_OFFSET_X_CSS_PX = 14;
const TAG_OFFSET_Y_CSS_PX = 18;
/** Space kept between a moved tag and the box it was moved out of, in CSS px. */
const TAG_GAP_CSS_PX = 4;

/** The arrow's extent from its tip, in CSS px (with its shadow). */
const ARROW_WIDTH_CSS_PX = 17;
const ARROW_HEIGHT_CSS_PX = 23;

interface CursorSprite {
  container: Phaser.GameObjects.Container;
  label: Phaser.GameObjects.Text;
  name: string;
  /** Where it was drawn (canvas px) and how opaque, to report when that changes. */
  drawn: Rect | null;
  alpha: number;
  /** Where the name tag is (canvas px). */
  tag: Rect | null;
}

/** What a frame of cursors is drawn against: the camera, the canvas's pixel ratio and what to keep tags clear of. */
export interface CursorFrame {
  camera: Phaser.Cameras.Scene2D.Camera;
  /** Canvas px per CSS px. */
  pixelRatio: number;
  nowMs: number;
  /** The HUD's boxes, in canvas px. */
  obstacles: readonly Rect[];
  /** Told (canvas px) where a cursor was and is, when it moved or changed. */
  damaged: (rect: Rect) => void;
}

export class CursorLayer {
  private readonly sprites = new Map<string, CursorSprite>();
  private resolution = 1;

  constructor(
    private readonly scene: Phaser.Scene,
    private readonly store: PuzzleStore,
    private readonly drawn: DrawnPositions,
  ) {}

  draw({ camera, pixelRatio, nowMs, obstacles, damaged }: CursorFrame): void {
    const seen = new Set<string>();
    const resolutionChanged = this.resolution !== pixelRatio;
    this.resolution = pixelRatio;
    const screen: Rect = { left: 0, top: 0, right: camera.width, bottom: camera.height };
    for (const cursor of this.store.presence.cursors.values()) {
      const at = this.drawn.cursors.get(cursor.playerId);
      if (!at) continue;
      seen.add(cursor.playerId);
      const name = this.store.playerName(cursor.playerId);
      const sprite = this.sprites.get(cursor.playerId) ?? this.create(cursor.playerId, name);
      if (sprite.name !== name) {
        sprite.label.setText(name);
        sprite.name = name;
      }
      if (resolutionChanged) sprite.label.setResolution(pixelRatio);
      const idle = nowMs - cursor.seenAtMs;
      const alpha = idle > CURSOR_IDLE_MS ? 0.25 : 1;
      // One local unit of the container is one CSS px on screen.
      sprite.container.setPosition(at.x, at.y).setScale(pixelRatio / camera.zoom).setAlpha(alpha);
      const tip = worldToScreen(camera, at.x, at.y);
      sprite.tag = this.placeTag(sprite.label, tip, pixelRatio, obstacles, screen);
      const label = sprite.label;
      const drawn = {
        left: tip.x + Math.min(0, label.x) * pixelRatio,
        top: tip.y + Math.min(0, label.y) * pixelRatio,
        right: tip.x + Math.max(ARROW_WIDTH_CSS_PX, label.x + label.width + 2) * pixelRatio,
        bottom: tip.y + Math.max(ARROW_HEIGHT_CSS_PX, label.y + label.height + 3) * pixelRatio,
      };
      const previous = sprite.drawn;
      if (!previous || previous.left !== drawn.left || previous.top !== drawn.top || previous.right !== drawn.right || previous.bottom !== drawn.bottom || sprite.alpha !== alpha) {
        if (previous) damaged(previous);
        damaged(drawn);
        sprite.drawn = drawn;
        sprite.alpha = alpha;
      }
    }
    for (const [playerId, sprite] of this.sprites) {
      if (seen.has(playerId)) continue;
      if (sprite.drawn) damaged(sprite.drawn);
      sprite.container.destroy();
      this.sprites.delete(playerId);
    }
  }

  /** Where each cursor's name tag is drawn (canvas px), by player. */
  tags(): Map<string, Rect> {
    const tags = new Map<string, Rect>();
    for (const [playerId, sprite] of this.sprites) if (sprite.tag) tags.set(playerId, { ...sprite.tag });
    return tags;
  }

  private placeTag(label: Phaser.GameObjects.Text, tip: { x: number; y: number }, pixelRatio: number, obstacles: readonly Rect[], screen: Rect): Rect {
    const left = tip.x + TAG_OFFSET_X_CSS_PX * pixelRatio;
    const top = tip.y + TAG_OFFSET_Y_CSS_PX * pixelRatio;
    const tag = { left, top, right: left + label.width * pixelRatio, bottom: top + label.height * pixelRatio };
    const gap = TAG_GAP_CSS_PX * pixelRatio;
    const shift = obstacles.some((box) => overlaps(box, tag)) ? shiftClear(tag, obstacles, screen, gap) : { dx: 0, dy: 0 };
    label.setPosition(TAG_OFFSET_X_CSS_PX + shift.dx / pixelRatio, TAG_OFFSET_Y_CSS_PX + shift.dy / pixelRatio);
    return { left: tag.left + shift.dx, top: tag.top + shift.dy, right: tag.right + shift.dx, bottom: tag.bottom + shift.dy };
  }

  private create(playerId: string, name: string): CursorSprite {
    const color = this.store.playerColor(playerId);
    const value = Phaser.Display.Color.HexStringToColor(color).color;
    const arrow = this.scene.add.graphics();
    arrow.fillStyle(0x000000, 0.35).fillTriangle(2, 2, 2, 22, 16, 16);
    arrow.fillStyle(value, 1).fillTriangle(0, 0, 0, 20, 14, 14);
    arrow.lineStyle(1.5, 0xffffff, 1).strokeTriangle(0, 0, 0, 20, 14, 14);
    const label = this.scene.add.text(TAG_OFFSET_X_CSS_PX, TAG_OFFSET_Y_CSS_PX, name, {
      fontFamily: "system-ui, sans-serif",
      fontSize: "13px",
      color: "#ffffff",
      backgroundColor: color,
      padding: { x: 6, y: 3 },
      resolution: this.resolution,
    });
    label.setShadow(0, 1, "rgba(0,0,0,0.4)", 2);
    const container = this.scene.add.container(0, 0, [arrow, label]).setDepth(Number.MAX_SAFE_INTEGER);
    const sprite: CursorSprite = { container, label, name, drawn: null, alpha: 1, tag: null };
    this.sprites.set(playerId, sprite);
    return sprite;
  }
}
