/**
 * Other players' cursors: an arrow and a name tag in the player's colour, kept
 * the same size on screen at any zoom, fading when a player stops moving.
 */
import Phaser from "phaser";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import type { DrawnPositions } from "./drawn-positions.ts";

/** A cursor fades out after this long without moving. */
const CURSOR_IDLE_MS = 8_000;

interface CursorSprite {
  container: Phaser.GameObjects.Container;
  label: Phaser.GameObjects.Text;
  name: string;
}

export class CursorLayer {
  private readonly sprites = new Map<string, CursorSprite>();

  constructor(
    private readonly scene: Phaser.Scene,
    private readonly store: PuzzleStore,
    private readonly drawn: DrawnPositions,
  ) {}

  draw(zoom: number, nowMs: number): void {
    const seen = new Set<string>();
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
      const idle = nowMs - cursor.seenAtMs;
      sprite.container.setPosition(at.x, at.y).setScale(1 / zoom).setAlpha(idle > CURSOR_IDLE_MS ? 0.25 : 1);
    }
    for (const [playerId, sprite] of this.sprites) {
      if (seen.has(playerId)) continue;
      sprite.container.destroy();
      this.sprites.delete(playerId);
    }
  }

  private create(playerId: string, name: string): CursorSprite {
    const color = this.store.playerColor(playerId);
    const value = Phaser.Display.Color.HexStringToColor(color).color;
    const arrow = this.scene.add.graphics();
    arrow.fillStyle(0x000000, 0.35).fillTriangle(2, 2, 2, 22, 16, 16);
    arrow.fillStyle(value, 1).fillTriangle(0, 0, 0, 20, 14, 14);
    arrow.lineStyle(1.5, 0xffffff, 1).strokeTriangle(0, 0, 0, 20, 14, 14);
    const label = this.scene.add.text(14, 18, name, {
      fontFamily: "system-ui, sans-serif",
      fontSize: "13px",
      color: "#ffffff",
      backgroundColor: color,
      padding: { x: 6, y: 3 },
    });
    label.setShadow(0, 1, "rgba(0,0,0,0.4)", 2);
    const container = this.scene.add.container(0, 0, [arrow, label]).setDepth(Number.MAX_SAFE_INTEGER);
    const sprite = { container, label, name };
    this.sprites.set(playerId, sprite);
    return sprite;
  }
}
