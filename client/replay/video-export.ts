/**
 * The timelapse as a WebM video, made in the browser: MediaRecorder records
 * the replay's canvas while the whole game plays on it at a pace that fits the
 * video's length, then holds the finished moment for a second.
 */

/** The video lasts the game at the chosen speed, within these bounds. */
export const VIDEO_MIN_MS = 3_000;
export const VIDEO_MAX_MS = 60_000;
/** The last moment stays on screen this long at the end of the video. */
const VIDEO_HOLD_END_MS = 1_000;
const VIDEO_FPS = 30;
const VIDEO_BITS_PER_S = 5_000_000;

/** The first WebM type this browser records, or null when it records none. */
export function webmType(): string | null {
  if (typeof MediaRecorder === "undefined") return null;
  return ["video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"].find((type) => MediaRecorder.isTypeSupported(type)) ?? null;
}

/** How long the video of a game of `durationMs` played at `speed` lasts. */
export function videoLengthMs(durationMs: number, speed: number): number {
  return Math.min(VIDEO_MAX_MS, Math.max(VIDEO_MIN_MS, durationMs / speed));
}

export interface Recording {
  /** Shows the moment at `share` (0-1) of the game; called every animation frame while recording. */
  show(share: number): void;
  /** How far the video has got (0-1). */
  progress(share: number): void;
}

/** Records `canvas` for `lengthMs` while `recording` moves the game along; resolves to the video. */
export async function recordWebm(canvas: HTMLCanvasElement, lengthMs: number, recording: Recording): Promise<Blob> {
  const type = webmType();
  if (!type) throw new Error("this browser cannot record WebM video");
  const stream = canvas.captureStream(VIDEO_FPS);
  const recorder = new MediaRecorder(stream, { mimeType: type, videoBitsPerSecond: VIDEO_BITS_PER_S });
  const parts: Blob[] = [];
  recorder.ondataavailable = (event) => {
    if (event.data.size > 0) parts.push(event.data);
  };
  const stopped = new Promise<void>((resolve, reject) => {
    recorder.onstop = () => resolve();
    recorder.onerror = () => reject(new Error("the recorder failed"));
  });
  recorder.start(1_000);
  const total = lengthMs + VIDEO_HOLD_END_MS;
  const startedAt = performance.now();
  await new Promise<void>((resolve) => {
    const frame = () => {
      const elapsed = performance.now() - startedAt;
      recording.show(Math.min(1, elapsed / lengthMs));
      recording.progress(Math.min(1, elapsed / total));
      if (elapsed >= total) resolve();
      else requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  recorder.stop();
  for (const track of stream.getTracks()) track.stop();
  await stopped;
  return new Blob(parts, { type: "video/webm" });
}
