/**
 * How many canvas pixels the table draws per CSS pixel. A canvas drawn at one
 * pixel per CSS pixel is stretched by the browser on a sharp screen (3x on
 * most phones) and looks blurred; drawn at the device's ratio it is crisp. The
 * ratio is capped: past 2 the eye gains little, while a software-rendered
 * canvas pays for every pixel (3x is 2.25 times the pixels of 2x).
 */

/** Most canvas pixels per CSS pixel, whatever the screen. */
export const MAX_PIXEL_RATIO = 2;

/** Canvas pixels per CSS pixel for a screen of this `devicePixelRatio`. */
export function canvasPixelRatio(devicePixelRatio: number): number {
  if (!Number.isFinite(devicePixelRatio) || devicePixelRatio <= 0) return 1;
  return Math.min(MAX_PIXEL_RATIO, devicePixelRatio);
}

/** The canvas's backing store for a CSS size at `ratio`, in whole pixels. */
export function backingSize(cssWidth: number, cssHeight: number, ratio: number): { width: number; height: number } {
  return { width: Math.max(1, Math.round(cssWidth * ratio)), height: Math.max(1, Math.round(cssHeight * ratio)) };
}
