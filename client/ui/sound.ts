/**
 * The game's two sounds, synthesised with WebAudio so no file is shipped: a
 * soft click when pieces snap and a chime when the puzzle is finished. One
 * toggle turns both off, and the browser remembers it.
 */

const SOUND_KEY = "puzzle-rooms:sound";
/** Snaps closer together than this make one click (a tidy or a busy room snaps many at once). */
const CLICK_INTERVAL_MS = 70;
const CLICK_GAIN = 0.18;
const CHIME_GAIN = 0.16;
/** C6, E6, G6, C7: a major arpeggio, rising. */
const CHIME_NOTES_HZ = [1046.5, 1318.5, 1568, 2093];
const CHIME_STEP_S = 0.11;

export class Sound {
  private context: AudioContext | null = null;
  private on: boolean;
  private lastClickMs = Number.NEGATIVE_INFINITY;
  /** Sounds started, for tests (audio itself cannot be heard there). */
  readonly played = { clicks: 0, chimes: 0 };

  constructor() {
    this.on = localStorage.getItem(SOUND_KEY) !== "off";
    // Browsers let a page start audio only from a gesture: the first press or key does.
    const unlock = () => {
      if (this.on) void this.audio()?.resume();
    };
    window.addEventListener("pointerdown", unlock, { capture: true });
    window.addEventListener("keydown", unlock, { capture: true });
  }

  get enabled(): boolean {
    return this.on;
  }

  /** Turns sound on or off and remembers it; returns the new state. */
  toggle(): boolean {
    this.on = !this.on;
    localStorage.setItem(SOUND_KEY, this.on ? "on" : "off");
    if (this.on) void this.audio()?.resume();
    return this.on;
  }

  /** A soft wooden click: a short, falling, filtered tone. */
  click(): void {
    const nowMs = performance.now();
    if (!this.on || nowMs - this.lastClickMs < CLICK_INTERVAL_MS) return;
    this.lastClickMs = nowMs;
    const audio = this.audio();
    if (!audio || audio.state !== "running") return;
    this.played.clicks++;
    const t = audio.currentTime;
    const tone = audio.createOscillator();
    tone.type = "triangle";
    tone.frequency.setValueAtTime(1_400, t);
    tone.frequency.exponentialRampToValueAtTime(420, t + 0.05);
    const filter = audio.createBiquadFilter();
    filter.type = "lowpass";
    filter.frequency.value = 2_400;
    const gain = audio.createGain();
    gain.gain.setValueAtTime(CLICK_GAIN, t);
    gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.07);
    tone.connect(filter).connect(gain).connect(audio.destination);
    tone.start(t);
    tone.stop(t + 0.08);
  }

  /** A bright four-note chime for the finish. */
  chime(): void {
    if (!this.on) return;
    const audio = this.audio();
    if (!audio || audio.state !== "running") return;
    this.played.chimes++;
    const start = audio.currentTime + 0.02;
    CHIME_NOTES_HZ.forEach((hz, index) => {
      const t = start + index * CHIME_STEP_S;
      const tone = audio.createOscillator();
      tone.type = "sine";
      tone.frequency.value = hz;
      const gain = audio.createGain();
      gain.gain.setValueAtTime(0.0001, t);
      gain.gain.exponentialRampToValueAtTime(CHIME_GAIN, t + 0.015);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + 1.4);
      tone.connect(gain).connect(audio.destination);
      tone.start(t);
      tone.stop(t + 1.5);
    });
  }

  /** The audio context, made on first use; null where the browser has no WebAudio. */
  private audio(): AudioContext | null {
    if (this.context) return this.context;
    if (typeof AudioContext === "undefined") return null;
    this.context = new AudioContext();
    return this.context;
  }
}
