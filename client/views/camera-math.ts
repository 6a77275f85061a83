/**
 * Screen/table conversions for a Phaser camera that fills the canvas and zooms
 * around its centre. Computed from scroll and zoom directly, so they hold even
 * between a zoom change and the next render.
 */
export interface CameraLike {
  scrollX: number;
  scrollY: number;
  zoom: number;
  width: number;
  height: number;
}

export function screenToWorld(camera: CameraLike, sx: number, sy: number): { x: number; y: number } {
  return {
    x: camera.scrollX + camera.width / 2 + (sx - camera.width / 2) / camera.zoom,
    y: camera.scrollY + camera.height / 2 + (sy - camera.height / 2) / camera.zoom,
  };
}

export function worldToScreen(camera: CameraLike, wx: number, wy: number): { x: number; y: number } {
  return {
    x: (wx - camera.scrollX - camera.width / 2) * camera.zoom + camera.width / 2,
    y: (wy - camera.scrollY - camera.height / 2) * camera.zoom + camera.height / 2,
  };
}

/** The scroll that keeps table point (wx, wy) under screen point (sx, sy) at `zoom`. */
export function scrollKeeping(camera: CameraLike, wx: number, wy: number, sx: number, sy: number, zoom: number): { scrollX: number; scrollY: number } {
  return {
    scrollX: wx - camera.width / 2 - (sx - camera.width / 2) / zoom,
    scrollY: wy - camera.height / 2 - (sy - camera.height / 2) / zoom,
  };
}

/** The table area (table px) the camera shows. */
export function visibleTable(camera: CameraLike): { left: number; top: number; right: number; bottom: number } {
  const halfWidth = camera.width / 2;
  const halfHeight = camera.height / 2;
  const left = camera.scrollX + halfWidth - halfWidth / camera.zoom;
  const top = camera.scrollY + halfHeight - halfHeight / camera.zoom;
  return { left, top, right: left + camera.width / camera.zoom, bottom: top + camera.height / camera.zoom };
}
