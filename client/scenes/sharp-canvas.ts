/**
 * A Phaser canvas that fills its parent and draws at the screen's pixel ratio
 * (views/pixel-ratio.ts). Phaser 4 has no game-wide resolution setting, and
 * its RESIZE scale mode makes one canvas pixel per CSS pixel; so the scale mode
 * is NONE with a game size of the backing store (CSS size x ratio) and a
 * ScaleManager zoom of 1 / ratio, which sizes the canvas element back to the
 * CSS size. Input then arrives in canvas pixels (Phaser divides page
 * coordinates by the displayed size), as do the camera's width and height.
 */
import Phaser from "phaser";
import { backingSize, canvasPixelRatio } from "../views/pixel-ratio.ts";

/** The scale settings for a canvas filling `parent` at the current pixel ratio. */
export function sharpScaleConfig(parent: HTMLElement): Phaser.Types.Core.ScaleConfig {
  const ratio = canvasPixelRatio(window.devicePixelRatio);
  const size = backingSize(parent.clientWidth, parent.clientHeight, ratio);
  return { mode: Phaser.Scale.NONE, width: size.width, height: size.height, zoom: 1 / ratio };
}

/**
 * Keeps the canvas filling `parent` at the current pixel ratio as the window
 * resizes, the page is zoomed or the window moves to another screen.
 */
export function keepSharp(game: Phaser.Game, parent: HTMLElement): void {
  const update = () => {
    const ratio = canvasPixelRatio(window.devicePixelRatio);
    const cssWidth = parent.clientWidth;
    const cssHeight = parent.clientHeight;
    const size = backingSize(cssWidth, cssHeight, ratio);
    const scale = game.scale;
    if (scale.zoom !== 1 / ratio) scale.setZoom(1 / ratio);
    // ScaleManager.resize leaves the element's CSS size alone when it equals the
    // game size (a ratio of 1), which would keep the size of the previous ratio.
    game.canvas.style.width = `${size.width / ratio}px`;
    game.canvas.style.height = `${size.height / ratio}px`;
    if (scale.width !== size.width || scale.height !== size.height) scale.resize(size.width, size.height);
    else scale.refresh();
  };
  window.addEventListener("resize", update);
  // A window moved to a screen of another density may not be resized at all.
  const watchRatio = () => {
    const query = window.matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`);
    query.addEventListener(
      "change",
      () => {
        update();
        watchRatio();
      },
      { once: true },
    );
  };
  watchRatio();
}
