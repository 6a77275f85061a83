/**
 * The replay's controls (DOM): play and pause, the speed (1x to 1,000x), a
 * scrub bar that draws the progress curve (pieces on the board over time) and
 * takes a click, a drag or a finger, who placed what, the players in their
 * colours with what each had placed by the moment shown, the export to video
 * with its progress bar, and the way back to the game. It reads a ReplayPlayer
 * and drives it; the video itself is video-export.ts's.
 */
import "./replay-panel.css";
import { formatDuration, onNextFrame, setText } from "./dom.ts";
import { REPLAY_SPEEDS, type ReplayPlayer } from "../replay/replay-player.ts";

export interface ReplayPlayerInfo {
  id: string;
  name: string;
  color: string;
}

export interface ReplayPanelActions {
  exportVideo(): void;
  showPlacers(visible: boolean): void;
}

/** The address of `room`'s replay. */
export function replayLink(room: string): string {
  return `?${new URLSearchParams({ room, replay: "1" }).toString()}`;
}

/**
 * Puts *Watch the replay* in the finish panel (index.html's #finish), beside
 * its other ways on: a link, so it opens in the same tab or a new one.
 */
export function offerReplay(room: string): void {
  const finish = document.getElementById("finish");
  if (!finish || finish.querySelector(".replay-offer")) return;
  const link = document.createElement("a");
  link.className = "ghost-button replay-offer";
  link.href = replayLink(room);
  link.textContent = "Watch the replay";
  finish.append(link);
}

/** Keyboard steps on the scrub bar, as a share of the game. */
const SCRUB_KEY_STEP = 0.02;

export class ReplayPanel {
  readonly root: HTMLElement;
  private readonly title: HTMLElement;
  private readonly message: HTMLElement;
  private readonly body: HTMLElement;
  private player: ReplayPlayer | null = null;
  private players: ReplayPlayerInfo[] = [];
  private readonly schedule = onNextFrame(() => this.render());
  private playersSignature = "";

  constructor(gameLink: string) {
    this.root = document.createElement("section");
    this.root.className = "panel replay-panel";
    this.root.id = "replay";
    this.root.innerHTML = `
      <div class="replay-title"><strong>Replay</strong><span class="replay-summary"></span><span class="replay-live" hidden>live</span><a class="ghost-button" data-replay="back">Back to the game</a></div>
      <p class="replay-message" role="status">Reading the game's log…</p>
      <div class="replay-body" hidden>
        <p class="replay-note" hidden></p>
        <div class="replay-scrub" role="slider" tabindex="0" aria-label="Moment of the game shown"><canvas></canvas></div>
        <div class="replay-controls">
          <button class="primary" data-replay="play" aria-label="Play">▶</button>
          <span class="replay-time">0:00 / 0:00</span>
          <label class="replay-speed">Speed <input type="range" data-replay="speed" min="0" max="${REPLAY_SPEEDS.length - 1}" step="1" /> <output></output></label>
          <label class="replay-toggle"><input type="checkbox" data-replay="placers" checked /> Who placed what</label>
          <button class="ghost-button" data-replay="export">Export video</button>
        </div>
        <ul class="replay-players"></ul>
        <div class="replay-export-progress" hidden><progress max="1" value="0"></progress><span></span></div>
        <a class="replay-download" hidden></a>
      </div>`;
    this.title = this.part(".replay-summary");
    this.message = this.part(".replay-message");
    this.body = this.part(".replay-body");
    this.part<HTMLAnchorElement>('[data-replay="back"]').href = gameLink;
    document.body.append(this.root);
  }

  /** Screen px the panel covers at the bottom. */
  get coveredPx(): number {
    return this.root.offsetHeight + 16;
  }

  /** Says how far reading the log got (0-1). */
  reading(share: number): void {
    setText(this.message, `Reading the game's log… ${Math.round(share * 100)}%`);
  }

  /** The replay cannot be shown: says why. */
  fail(reason: string): void {
    this.message.className = "replay-message error";
    setText(this.message, reason);
  }

  /** Shows the controls for `player`. */
  attach(player: ReplayPlayer, players: ReplayPlayerInfo[], actions: ReplayPanelActions, note: string | null): void {
    this.player = player;
    this.players = players;
    this.message.hidden = true;
    this.body.hidden = false;
    const noteElement = this.part(".replay-note");
    noteElement.hidden = note === null;
    noteElement.textContent = note;
    this.part('[data-replay="play"]').addEventListener("click", () => player.toggle());
    const speed = this.part<HTMLInputElement>('[data-replay="speed"]');
    speed.value = String(nearestSpeedIndex(player.speed));
    speed.addEventListener("input", () => player.setSpeed(REPLAY_SPEEDS[Number(speed.value)] ?? 1));
    const placers = this.part<HTMLInputElement>('[data-replay="placers"]');
    placers.addEventListener("change", () => actions.showPlacers(placers.checked));
    this.part('[data-replay="export"]').addEventListener("click", () => actions.exportVideo());
    this.wireScrub(player);
    player.subscribe(() => this.schedule());
    window.addEventListener("resize", () => this.schedule());
    this.render();
  }

  /** The players as the room lists them now (a live game gains some). */
  setPlayers(players: ReplayPlayerInfo[]): void {
    this.players = players;
    this.schedule();
  }

  setLive(live: boolean): void {
    this.part(".replay-live").hidden = !live;
  }

  /** The export's progress (0-1), or null once it is over. */
  exportProgress(share: number | null): void {
    const box = this.part(".replay-export-progress");
    const button = this.part<HTMLButtonElement>('[data-replay="export"]');
    box.hidden = share === null;
    button.disabled = share !== null;
    if (share === null) return;
    this.part<HTMLProgressElement>(".replay-export-progress progress").value = share;
    setText(this.part(".replay-export-progress span"), `Rendering the video… ${Math.round(share * 100)}%`);
  }

  /** Offers the finished video for download (and downloads it at once). */
  offerDownload(url: string, fileName: string, bytes: number): void {
    const link = this.part<HTMLAnchorElement>(".replay-download");
    link.href = url;
    link.download = fileName;
    link.hidden = false;
    link.textContent = `Download the video again (${(bytes / 1_048_576).toFixed(1)} MB, WebM)`;
    link.click();
  }

  exportFailed(reason: string): void {
    this.exportProgress(null);
    const link = this.part<HTMLAnchorElement>(".replay-download");
    link.hidden = false;
    link.removeAttribute("href");
    link.textContent = `The video could not be made: ${reason}`;
  }

  private wireScrub(player: ReplayPlayer): void {
    const scrub = this.part(".replay-scrub");
    const seekTo = (clientX: number) => {
      const rect = scrub.getBoundingClientRect();
      const share = Math.min(1, Math.max(0, (clientX - rect.left) / rect.width));
      player.seek(share * player.timeline.durationMs);
    };
    let dragging: number | null = null;
    scrub.addEventListener("pointerdown", (event) => {
      dragging = event.pointerId;
      scrub.setPointerCapture(event.pointerId);
      player.pause();
      seekTo(event.clientX);
    });
    scrub.addEventListener("pointermove", (event) => {
      if (dragging === event.pointerId) seekTo(event.clientX);
    });
    const release = (event: PointerEvent) => {
      if (dragging === event.pointerId) dragging = null;
    };
    scrub.addEventListener("pointerup", release);
    scrub.addEventListener("pointercancel", release);
    scrub.addEventListener("keydown", (event) => {
      const step = event.key === "ArrowRight" ? SCRUB_KEY_STEP : event.key === "ArrowLeft" ? -SCRUB_KEY_STEP : 0;
      if (event.key === " ") player.toggle();
      else if (step === 0) return;
      else player.seek(player.time + step * player.timeline.durationMs);
      event.preventDefault();
    });
  }


  private render(): void {
    const player = this.player;
    if (!player) return;
    const { timeline } = player;
    const play = this.part('[data-replay="play"]');
    setText(play, player.playing ? "❚❚" : "▶");
    play.setAttribute("aria-label", player.playing ? "Pause" : "Play");
    setText(this.part(".replay-time"), `${formatDuration(player.time)} / ${formatDuration(timeline.durationMs)}`);
    setText(this.part(".replay-speed output"), `${player.speed.toLocaleString("en")}×`);
    const pieces = timeline.state.pieces.length;
    setText(this.title, `${pieces.toLocaleString("en")} pieces · ${timeline.state.lockedPieces.toLocaleString("en")} placed · ${this.players.length} player${this.players.length === 1 ? "" : "s"}`);
    const scrub = this.part(".replay-scrub");
    scrub.setAttribute("aria-valuetext", `${formatDuration(player.time)} of ${formatDuration(timeline.durationMs)}`);
    this.drawScrub();
    this.renderPlayers();
  }

  /** The progress curve, filled, and the playhead. */
  private drawScrub(): void {
    const player = this.player!;
    const { timeline } = player;
    const canvas = this.part<HTMLCanvasElement>(".replay-scrub canvas");
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const height = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext("2d")!;
    ctx.clearRect(0, 0, width, height);
    const duration = Math.max(1, timeline.durationMs);
    const total = Math.max(1, timeline.state.pieces.length);
    const pad = 4 * ratio;
    const x = (atMs: number) => ((atMs - timeline.startMs) / duration) * width;
    const y = (locked: number) => height - pad - (locked / total) * (height - 2 * pad);
    ctx.beginPath();
    ctx.moveTo(0, height);
    let last = timeline.curve[0]!.locked;
    ctx.lineTo(0, y(last));
    for (const point of timeline.curve) {
      ctx.lineTo(x(point.atMs), y(last));
      ctx.lineTo(x(point.atMs), y(point.locked));
      last = point.locked;
    }
    ctx.lineTo(width, y(last));
    ctx.lineTo(width, height);
    ctx.closePath();
    ctx.fillStyle = "rgba(87, 204, 153, 0.35)";
    ctx.fill();
    const head = (player.time / duration) * width;
    ctx.fillStyle = "rgba(87, 204, 153, 0.25)";
    ctx.fillRect(0, 0, head, height);
    ctx.fillStyle = "#f4a261";
    ctx.fillRect(Math.min(width - 2 * ratio, head), 0, 2 * ratio, height);
  }

  private renderPlayers(): void {
    const timeline = this.player!.timeline;
    const rows = this.players.map((player) => ({ ...player, placed: timeline.placedBy(player.id) })).sort((a, b) => b.placed - a.placed || a.name.localeCompare(b.name));
    const signature = JSON.stringify(rows);
    if (signature === this.playersSignature) return;
    this.playersSignature = signature;
    this.part(".replay-players").replaceChildren(
      ...rows.map((row) => {
        const item = document.createElement("li");
        item.dataset.playerId = row.id;
        const swatch = document.createElement("i");
        swatch.className = "swatch";
        swatch.style.background = row.color;
        const name = document.createElement("span");
        name.textContent = row.name;
        const placed = document.createElement("span");
        placed.className = "placed";
        placed.textContent = String(row.placed);
        placed.title = "pieces placed by the moment shown";
        item.append(swatch, name, placed);
        return item;
      }),
    );
  }

  private part<T extends HTMLElement = HTMLElement>(selector: string): T {
    const found = this.root.querySelector<T>(selector);
    if (!found) throw new Error(`the replay panel lacks ${selector}`);
    return found;
  }
}

function nearestSpeedIndex(speed: number): number {
  let best = 0;
  REPLAY_SPEEDS.forEach((candidate, index) => {
    if (Math.abs(Math.log(candidate / speed)) < Math.abs(Math.log(REPLAY_SPEEDS[best]! / speed))) best = index;
  });
  return best;
}
