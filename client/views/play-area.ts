/**
 * The part of the screen the table may use: what the HUD's boxes leave free.
 * Pure geometry (no DOM, no Phaser), in whatever unit the caller measures in,
 * so the scene can fit and zoom into it and keep name tags out from under the
 * boxes, and tests can check both in Node.
 */

export interface Rect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export function rectWidth(rect: Rect): number {
  return rect.right - rect.left;
}

export function rectHeight(rect: Rect): number {
  return rect.bottom - rect.top;
}

/** True when the two rectangles share some area (touching edges do not count). */
export function overlaps(a: Rect, b: Rect): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

export function scaleRect(rect: Rect, factor: number): Rect {
  return { left: rect.left * factor, top: rect.top * factor, right: rect.right * factor, bottom: rect.bottom * factor };
}

function grow(rect: Rect, by: number): Rect {
  return { left: rect.left - by, top: rect.top - by, right: rect.right + by, bottom: rect.bottom + by };
}

/**
 * A clear rectangle drawing content up to this much smaller than the best one
 * still wins if it is larger: a fit should not move off-centre for the last
 * couple of pixels a box's edge gives away.
 */
const NEAR_BEST_SCALE = 0.97;

/**
 * The rectangle of `screen` clear of every box (kept `gap` away from each) in
 * which content of width/height ratio `aspect` can be drawn largest or nearly
 * so, and of those the largest. Its sides lie on the screen's edges or the
 * boxes' (grown by `gap`), so trying every combination of those finds it; a
 * HUD has a handful of boxes, so that is a few thousand cheap checks. The whole
 * screen when the boxes leave nothing.
 */
export function largestClearRect(screen: Rect, boxes: readonly Rect[], aspect: number, gap = 0): Rect {
  const obstacles = boxes.map((box) => grow(box, gap)).filter((box) => overlaps(box, screen));
  if (obstacles.length === 0) return screen;
  const within = (value: number, low: number, high: number) => value >= low && value <= high;
  const lefts = [screen.left, ...obstacles.map((box) => box.right).filter((x) => within(x, screen.left, screen.right))];
  const rights = [screen.right, ...obstacles.map((box) => box.left).filter((x) => within(x, screen.left, screen.right))];
  const tops = [screen.top, ...obstacles.map((box) => box.bottom).filter((y) => within(y, screen.top, screen.bottom))];
  const bottoms = [screen.bottom, ...obstacles.map((box) => box.top).filter((y) => within(y, screen.top, screen.bottom))];
  const clear: Array<{ rect: Rect; scale: number; area: number }> = [];
  for (const left of lefts) {
    for (const right of rights) {
      if (right <= left) continue;
      for (const top of tops) {
        for (const bottom of bottoms) {
          if (bottom <= top) continue;
          const rect = { left, top, right, bottom };
          if (obstacles.some((box) => overlaps(box, rect))) continue;
          // The size content of this aspect gets: its width, or its height times the aspect.
          clear.push({ rect, scale: Math.min(right - left, (bottom - top) * aspect), area: (right - left) * (bottom - top) });
        }
      }
    }
  }
  const bestScale = Math.max(0, ...clear.map((candidate) => candidate.scale));
  let best: { rect: Rect; area: number } | null = null;
  for (const candidate of clear) {
    if (candidate.scale >= bestScale * NEAR_BEST_SCALE && (!best || candidate.area > best.area)) best = candidate;
  }
  return best?.rect ?? screen;
}

/**
 * The smallest shift that moves `tag` off every box while keeping it on
 * `screen` ({0, 0} when it is clear already). A shift is tried out of each box
 * the tag overlaps, on each side, then from there out of whatever it lands on;
 * when nothing works the tag stays where it is.
 */
export function shiftClear(tag: Rect, boxes: readonly Rect[], screen: Rect, gap = 0): { dx: number; dy: number } {
  const obstacles = boxes.map((box) => grow(box, gap));
  const moved = (dx: number, dy: number): Rect => ({ left: tag.left + dx, top: tag.top + dy, right: tag.right + dx, bottom: tag.bottom + dy });
  const onScreen = (rect: Rect) => rect.left >= screen.left && rect.top >= screen.top && rect.right <= screen.right && rect.bottom <= screen.bottom;
  const clear = (rect: Rect) => !obstacles.some((box) => overlaps(box, rect));
  if (clear(tag)) return { dx: 0, dy: 0 };
  const outOf = (rect: Rect, box: Rect): Array<{ dx: number; dy: number }> => [
    { dx: 0, dy: box.top - rect.bottom },
    { dx: 0, dy: box.bottom - rect.top },
    { dx: box.left - rect.right, dy: 0 },
    { dx: box.right - rect.left, dy: 0 },
  ];
  let best: { dx: number; dy: number } | null = null;
  const consider = (shift: { dx: number; dy: number }) => {
    const rect = moved(shift.dx, shift.dy);
    if (!onScreen(rect) || !clear(rect)) return false;
    if (!best || Math.hypot(shift.dx, shift.dy) < Math.hypot(best.dx, best.dy)) best = shift;
    return true;
  };
  for (const box of obstacles) {
    if (!overlaps(box, tag)) continue;
    for (const first of outOf(tag, box)) {
      if (consider(first)) continue;
      const landed = moved(first.dx, first.dy);
      for (const other of obstacles) {
        if (!overlaps(other, landed)) continue;
        for (const second of outOf(landed, other)) consider({ dx: first.dx + second.dx, dy: first.dy + second.dy });
      }
    }
  }
  return best ?? { dx: 0, dy: 0 };
}
