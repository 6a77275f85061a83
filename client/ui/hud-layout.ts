/**
 * The HUD's boxes, as the table sees them. Everything the HUD puts over the
 * table lives in one of the slots of index.html (`top`: the status bar, `side`:
 * panels under it on the right, `tools`: the toolbar), and every element with
 * the class `hud-box` in a slot is a box: the scene fits and zooms into what
 * the boxes leave free, and keeps name tags out from under them. Adding a box
 * (a replay button, a chat panel, a list of watchers) is adding an element with
 * that class to a slot; nothing here lists them.
 *
 * What floats over the table for a moment (notices, the reconnecting banner,
 * the help and finish panels, the toolbar's menu) is not a box.
 */
import type { Rect } from "../views/play-area.ts";

/** The class that makes an element a HUD box. */
export const HUD_BOX_CLASS = "hud-box";
/** Boxes are measured again at most this often when something asks (name tags ask every frame). */
const MEASURE_INTERVAL_MS = 200;

/** The rectangles (page CSS px) of the HUD boxes on screen now; hidden and empty ones are left out. */
export function measureHudBoxes(root: ParentNode = document): Rect[] {
  const boxes: Rect[] = [];
  for (const element of root.querySelectorAll<HTMLElement>(`.${HUD_BOX_CLASS}`)) {
    const rect = element.getBoundingClientRect();
    if (rect.width <= 0 || rect.height <= 0) continue;
    boxes.push({ left: rect.left, top: rect.top, right: rect.right, bottom: rect.bottom });
  }
  return boxes;
}

/**
 * Measured boxes, kept for a moment: reading layout every frame would force
 * the browser to lay out the page each time the HUD changed a text. A resize,
 * or `invalidate()` when the HUD shows or hides a box, measures again at once.
 */
export class HudLayout {
  private boxes: Rect[] = [];
  private measuredAtMs = Number.NEGATIVE_INFINITY;

  constructor() {
    window.addEventListener("resize", () => this.invalidate());
  }

  /** The boxes (page CSS px), measured at most MEASURE_INTERVAL_MS ago. */
  current(): readonly Rect[] {
    const nowMs = performance.now();
    if (nowMs - this.measuredAtMs >= MEASURE_INTERVAL_MS) {
      this.boxes = measureHudBoxes();
      this.measuredAtMs = nowMs;
    }
    return this.boxes;
  }

  invalidate(): void {
    this.measuredAtMs = Number.NEGATIVE_INFINITY;
  }
}
