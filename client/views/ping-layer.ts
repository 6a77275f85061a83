/**
 * Marks on the table (issue 14): each mark the chat store holds is drawn at its
 * table spot, a ring in the marker's colour with the mark's glyph and the
 * marker's name, kept the same size on screen at any zoom, pulsing in and
 * fading out over its last MARK_FADE_MS. Like the cursors it reports (in canvas
 * px) where it drew before and draws now, so a partial frame redraws it.
 */
import Phaser from "phaser";
import { MARK_SHOWN_MS, type MarkKind } from "../../shared/chat.ts";
import type { ChatStore, ShownMark } from "../store/chat.ts";
import { worldToScreen } from "./camera-math.ts";
import type { Rect } from "./play-area.ts";

/**
 * What each mark kind looks like, on the table and on the chat panel's buttons:
 * symbols every system font has (a browser without an emoji font showed emoji as boxes).
 */
export const MARK_GLYPHS: Record<MarkKind, string> = { look: "◎", "thumbs-up": "✔", question: "?", heart: "❤" };

/** A mark fades out over its last this long. */
const MARK_FADE_MS = 1_000;
/** The ring's radius, and how far the drawing reaches from the spot at most (name tag included), in CSS px. */
const RING_RADIUS_CSS_PX = 22;
const EXTENT_CSS_PX = 90;
/** The ring grows from this fraction of its size over its first MARK_GROW_MS. */
const MARK_GROW_MS = 250;
const GROW_FROM = 0.4;

interface MarkSprite {
  container: Phaser.GameObjects.Container;
  label: Phaser.GameObjects.Text;
  drawn: Rect | null;
  /** The ring and the name under it, as drawn this frame (canvas px). */
  occupied: Rect | null;
}

export interface MarkFrame {
  camera: Phaser.Cameras.Scene2D.Camera;
  /** Canvas px per CSS px. */
  pixelRatio: number;
  /** On the chat store's clock (the marks' shownAtMs). */
  nowMs: number;
  damaged: (rect: Rect) => void;
}

/** Marks remembered as drawn, for the test hook. */
const DRAWN_LOG_LENGTH = 32;

export class PingLayer {
  private readonly sprites = new Map<number, MarkSprite>();
  /** The last marks this layer drew, where it first drew them (table px). */
  private readonly drawnLog: Array<{ from: string; kind: string; x: number; y: number }> = [];

  constructor(
    private readonly scene: Phaser.Scene,
    private readonly chat: ChatStore,
    private readonly depth: number,
  ) {}

  draw({ camera, pixelRatio, nowMs, damaged }: MarkFrame): void {
    const live = new Set<number>();
    for (const mark of this.chat.marks) {
      const age = nowMs - mark.shownAtMs;
      if (age >= MARK_SHOWN_MS) continue;
      live.add(mark.id);
      const sprite = this.sprites.get(mark.id) ?? this.create(mark);
      const grow = age < MARK_GROW_MS ? GROW_FROM + ((1 - GROW_FROM) * Math.max(0, age)) / MARK_GROW_MS : 1;
      const alpha = Math.min(1, (MARK_SHOWN_MS - age) / MARK_FADE_MS);
      // One local unit of the container is one CSS px on screen.
      sprite.container.setPosition(mark.x, mark.y).setScale((grow * pixelRatio) / camera.zoom).setAlpha(alpha);
      const at = worldToScreen(camera, mark.x, mark.y);
      const scale = grow * pixelRatio;
      const half = Math.max(RING_RADIUS_CSS_PX + 3, sprite.label.width / 2) * scale;
      sprite.occupied = { left: at.x - half, top: at.y - (RING_RADIUS_CSS_PX + 3) * scale, right: at.x + half, bottom: at.y + (sprite.label.y + sprite.label.height) * scale };
      const reach = EXTENT_CSS_PX * pixelRatio;
      const drawn = { left: at.x - reach, top: at.y - reach, right: at.x + reach, bottom: at.y + reach };
      // It changes every frame while it grows and fades: report it each frame.
      if (sprite.drawn) damaged(sprite.drawn);
      damaged(drawn);
      sprite.drawn = drawn;
    }
    for (const [id, sprite] of this.sprites) {
      if (live.has(id)) continue;
      if (sprite.drawn) damaged(sprite.drawn);
      sprite.container.destroy();
      this.sprites.delete(id);
    }
  }

  /** Where the marks drawn this frame lie, ring and name (canvas px): others' name tags keep clear of them. */
  occupied(): Rect[] {
    const areas: Rect[] = [];
    for (const sprite of this.sprites.values()) if (sprite.occupied) areas.push({ ...sprite.occupied });
    return areas;
  }

  /** The last marks drawn, oldest first, where they were drawn (table px): for the test hook, which may look after they faded. */
  drawnHistory(): Array<{ from: string; kind: string; x: number; y: number }> {
    return this.drawnLog.map((mark) => ({ ...mark }));
  }

  /** The marks drawn now, at their table spots: for the test hook. */
  drawnMarks(): Array<{ from: string; kind: string; x: number; y: number }> {
    const marks = new Map(this.chat.marks.map((mark) => [mark.id, mark]));
    return [...this.sprites].flatMap(([id, sprite]) => {
      const mark = marks.get(id);
      return mark ? [{ from: mark.from, kind: mark.kind, x: sprite.container.x, y: sprite.container.y }] : [];
    });
  }

  private create(mark: ShownMark): MarkSprite {
    const color = Phaser.Display.Color.HexStringToColor(mark.color).color;
    const ring = this.scene.add.graphics();
    ring.fillStyle(0x000000, 0.3).fillCircle(0, 2, RING_RADIUS_CSS_PX + 2);
    ring.fillStyle(color, 0.35).fillCircle(0, 0, RING_RADIUS_CSS_PX);
    ring.lineStyle(3, color, 1).strokeCircle(0, 0, RING_RADIUS_CSS_PX);
    ring.lineStyle(1.5, 0xffffff, 0.9).strokeCircle(0, 0, RING_RADIUS_CSS_PX + 2.5);
    const glyph = this.scene.add.text(0, 0, MARK_GLYPHS[mark.kind], { fontFamily: "system-ui, sans-serif", fontSize: "24px", fontStyle: "bold", color: "#ffffff", resolution: 3 }).setOrigin(0.5, 0.5);
    const label = this.scene.add
      .text(0, RING_RADIUS_CSS_PX + 6, mark.name, { fontFamily: "system-ui, sans-serif", fontSize: "12px", color: "#ffffff", backgroundColor: mark.color, padding: { x: 5, y: 2 }, resolution: 3 })
      .setOrigin(0.5, 0);
    const container = this.scene.add.container(mark.x, mark.y, [ring, glyph, label]).setDepth(this.depth);
    const sprite: MarkSprite = { container, label, drawn: null, occupied: null };
    this.sprites.set(mark.id, sprite);
    this.drawnLog.push({ from: mark.from, kind: mark.kind, x: container.x, y: container.y });
    if (this.drawnLog.length > DRAWN_LOG_LENGTH) this.drawnLog.shift();
    return sprite;
  }
}
