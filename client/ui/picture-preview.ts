/**
 * A small floating copy of the puzzle's picture, in the HUD's side slot, to
 * look at while solving. Drawn once into a canvas at the screen's density, so
 * it is sharp and does not depend on how the picture was loaded.
 */
import { element } from "./dom.ts";

/** The preview's longest side, in CSS px. */
const PREVIEW_LONG_SIDE_CSS_PX = 220;

export class PicturePreview {
  private readonly box = element("preview");

  constructor(image: CanvasImageSource, imageWidth: number, imageHeight: number) {
    const canvas = element<HTMLCanvasElement>("preview-picture");
    const ratio = Math.min(3, window.devicePixelRatio || 1);
    const scale = PREVIEW_LONG_SIDE_CSS_PX / Math.max(imageWidth, imageHeight);
    canvas.width = Math.round(imageWidth * scale * ratio);
    canvas.height = Math.round(imageHeight * scale * ratio);
    const ctx = canvas.getContext("2d");
    if (ctx) {
      ctx.imageSmoothingQuality = "high";
      ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    }
  }

  get visible(): boolean {
    return !this.box.hidden;
  }

  /** Shows or hides the preview; returns whether it is shown now. */
  toggle(): boolean {
    this.box.hidden = !this.box.hidden;
    return this.visible;
  }
}
