/**
 * Everything around the table: mode, progress, timer, connection and RTT, the
 * lost-move/desync counters, players, the picture preview, notices, banners,
 * help, the finish panel, sound and the keyboard shortcuts. It reads the store
 * and drives the scene through a few controls; it never touches the socket.
 * Where its boxes go, and how the table keeps clear of them, is hud-layout.ts.
 */
import type { Mode } from "../../shared/protocol.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import type { TidyKind } from "../store/tidy.ts";
import { element, formatDuration, isTyping, onNextFrame, setClassName, setHidden, setText } from "./dom.ts";
import { AudiencePanel } from "./audience.ts";
import { finishVerdict, type StoredProgress } from "./finish-gate.ts";
import type { HudLayout } from "./hud-layout.ts";
import type { PicturePreview } from "./picture-preview.ts";
import { PlayersPanel, type PlayerActions } from "./players-panel.ts";
import type { Sound } from "./sound.ts";
import { LostMovePanel, type LostMoveMark } from "./lost-move-panel.ts";

export interface TableControls {
  fit(): void;
  zoom(factor: number): void;
  /** Pans by a distance in CSS px. */
  pan(dx: number, dy: number): void;
  toggleGhost(): boolean;
  tidy(kind: TidyKind): void;
  /** Highlights a lost move's piece on the table (the lost-move panel); null clears it. */
  showLostMove(mark: LostMoveMark | null): void;
}

export interface HudParts {
  layout: HudLayout;
  preview: PicturePreview;
  sound: Sound;
  /** The stored (or authoritative) state as the integrity check last fetched it; null before the first. */
  stored: () => StoredProgress | null;
  /** The players panel's buttons: jump to a player, and the host's kick and ban (issue 14). */
  playerActions?: PlayerActions;
}

const MODE_LABEL: Record<Mode, string> = {
  stateful: "Stateful room",
  stateless: "Stateless + store",
  "stateless-occ": "Stateless + OCC",
};
const PAN_STEP_CSS_PX = 80;
const ZOOM_STEP = 1.25;
/** The finish panel waits this long, so the picture fades in on the table first. */
const FINISH_PANEL_DELAY_MS = 900;

export class Hud {
  private readonly schedule = onNextFrame(() => this.render());
  private finishShown = false;
  private readonly shownNotices = new Set<number>();
  private readonly players: PlayersPanel;
  private readonly toolbar = element("toolbar");
  private readonly lostMoves: LostMovePanel;

  constructor(
    private readonly store: PuzzleStore,
    private readonly controls: TableControls,
    private readonly roomLink: string,
    private readonly parts: HudParts,
  ) {
    element("hud").hidden = false;
    this.players = new PlayersPanel(() => parts.layout.invalidate(), parts.playerActions);
    // The lost-move counter opens its panel (lost-move-panel.ts).
    this.lostMoves = new LostMovePanel(store, new URL(roomLink).searchParams.get("room") ?? "", element("integrity"), (mark) => controls.showLostMove(mark));
    store.subscribe(() => this.schedule());
    element("share").addEventListener("click", () => void this.copyLink());
    element("help-close").addEventListener("click", () => (element("help").hidden = true));
    element("finish-close").addEventListener("click", () => (element("finish").hidden = true));
    element("preview-close").addEventListener("click", () => this.run("preview"));
    this.toolbar.addEventListener("click", (event) => {
      const action = (event.target as HTMLElement).closest("button")?.dataset.action;
      if (action) this.run(action);
    });
    // A press anywhere else closes the toolbar's menu.
    window.addEventListener("pointerdown", (event) => {
      if (!this.toolbar.contains(event.target as Node)) this.setMenuOpen(false);
    });
    window.addEventListener("keydown", (event) => this.onKey(event));
    setInterval(() => this.renderTimer(), 1_000);
    this.pressed("sound", parts.sound.enabled);
    setText(element("mode-badge"), "…");
    new AudiencePanel(store);
    this.render();
  }

  private run(action: string): void {
    if (action !== "more") this.setMenuOpen(false);
    switch (action) {
      case "zoom-in":
        return this.controls.zoom(ZOOM_STEP);
      case "zoom-out":
        return this.controls.zoom(1 / ZOOM_STEP);
      case "fit":
        return this.controls.fit();
      case "preview":
        this.pressed("preview", this.parts.preview.toggle());
        this.parts.layout.invalidate();
        return;
      case "ghost":
        return this.pressed("ghost", this.controls.toggleGhost());
      case "edges":
        return this.controls.tidy("edges");
      case "gather":
        return this.controls.tidy("gather");
      case "sound":
        return this.pressed("sound", this.parts.sound.toggle());
      case "help":
        element("help").hidden = !element("help").hidden;
        return;
      case "more":
        return this.setMenuOpen(!this.toolbar.hasAttribute("data-open"));
      case "link":
        void this.copyLink();
        return;
    }
  }

  private pressed(action: string, on: boolean): void {
    this.toolbar.querySelector(`[data-action="${action}"]`)?.setAttribute("aria-pressed", String(on));
  }

  private setMenuOpen(open: boolean): void {
    this.toolbar.toggleAttribute("data-open", open);
    this.toolbar.querySelector('[data-action="more"]')?.setAttribute("aria-expanded", String(open));
  }

  private onKey(event: KeyboardEvent): void {
    if (isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys: Record<string, string | [number, number]> = {
      f: "fit",
      "+": "zoom-in",
      "=": "zoom-in",
      "-": "zoom-out",
      p: "preview",
      g: "ghost",
      e: "edges",
      r: "gather",
      m: "sound",
      l: "link",
      "?": "help",
      h: "help",
      arrowleft: [PAN_STEP_CSS_PX, 0],
      a: [PAN_STEP_CSS_PX, 0],
      arrowright: [-PAN_STEP_CSS_PX, 0],
      d: [-PAN_STEP_CSS_PX, 0],
      arrowup: [0, PAN_STEP_CSS_PX],
      w: [0, PAN_STEP_CSS_PX],
      arrowdown: [0, -PAN_STEP_CSS_PX],
      s: [0, -PAN_STEP_CSS_PX],
      escape: "close",
    };
    const action = keys[event.key.toLowerCase()];
    if (action === undefined) return;
    event.preventDefault();
    if (Array.isArray(action)) return this.controls.pan(action[0], action[1]);
    if (action === "close") {
      element("help").hidden = true;
      element("finish").hidden = true;
      this.setMenuOpen(false);
      return;
    }
    this.run(action);
  }

  private async copyLink(): Promise<void> {
    try {
      await navigator.clipboard.writeText(this.roomLink);
      this.store.notices.add("info", "Room link copied: send it to a friend.");
    } catch {
      this.store.notices.add("info", `Share this link: ${this.roomLink}`);
    }
  }


  private render(): void {
    const store = this.store;
    const badge = element("mode-badge");
    setText(badge, MODE_LABEL[store.mode]);
    setClassName(badge, `badge ${store.mode}`);

    const { placed, total } = store.progress();
    const width = `${total ? (100 * placed) / total : 0}%`;
    const fill = element("progress-fill");
    if (fill.style.width !== width) fill.style.width = width;
    setText(element("progress-text"), `${placed} / ${total}`);
    this.renderTimer();

    const status = element("status");
    const statusClass = `status ${store.status}`;
    if (status.className !== statusClass) status.className = statusClass;
    setText(element("status-text"), store.status === "open" ? "online" : store.status);
    setText(element("rtt"), store.status === "open" && store.rttMs !== null ? `${Math.round(store.rttMs)} ms` : "");

    const { lostMoves, desyncedPieces } = store.integrity;
    setText(element("lost-count"), String(lostMoves));
    setText(element("desync-count"), String(desyncedPieces));
    element("integrity").classList.toggle("bad", lostMoves > 0 || desyncedPieces > 0);
    this.lostMoves.update();

    const banner = element("banner");
    const fatal = store.notices.fatal;
    if (fatal) {
      setHidden(banner, false);
      setClassName(banner, "banner fatal");
      setText(banner, fatal);
    } else if (store.status === "reconnecting") {
      setHidden(banner, false);
      setClassName(banner, "banner");
      setText(banner, "Connection lost: reconnecting… your placed pieces are safe.");
    } else setHidden(banner, true);

    this.players.render(store.players(), store.myId, { controls: store.controls, isHost: store.isHost });
    this.renderNotices();
    this.renderFinish(placed, total);
  }

  private renderFinish(placed: number, total: number): void {
    const verdict = finishVerdict(this.store.mode, { placed, total, completedAtMs: this.store.completedAtMs() }, this.parts.stored());
    const unsaved = element("unsaved");
    const showUnsaved = verdict.kind === "unsaved";
    if (unsaved.hidden === showUnsaved) {
      unsaved.hidden = !showUnsaved;
      this.parts.layout.invalidate();
    }
    if (verdict.kind === "unsaved") setText(unsaved, verdict.sentence);
    if (verdict.kind === "finished" && !this.finishShown) this.showFinish(verdict.completedAtMs);
  }

  private renderTimer(): void {
    const started = this.store.startedAtMs();
    if (started === null) return;
    const end = this.store.completedAtMs() ?? Date.now();
    setText(element("timer"), formatDuration(end - started));
  }

  private renderNotices(): void {
    const container = element("notices");
    const notices = this.store.notices.current;
    const live = new Set(notices.map((notice) => notice.id));
    for (const child of [...container.children] as HTMLElement[]) if (!live.has(Number(child.dataset.id))) child.remove();
    for (const notice of notices) {
      if (this.shownNotices.has(notice.id)) continue;
      this.shownNotices.add(notice.id);
      const item = document.createElement("div");
      item.className = `notice ${notice.kind}`;
      item.dataset.id = String(notice.id);
      item.textContent = notice.text;
      container.append(item);
    }
  }

  private showFinish(completedAtMs: number): void {
    this.finishShown = true;
    const started = this.store.startedAtMs() ?? completedAtMs;
    const players = this.store.players().filter((player) => player.placed > 0).sort((a, b) => b.placed - a.placed);
    const solvers = Math.max(1, players.length);
    element("finish-time").textContent = `${this.store.progress().total} pieces in ${formatDuration(completedAtMs - started)} by ${solvers} player${solvers === 1 ? "" : "s"}.`;
    element("finish-ranking").replaceChildren(
      ...players.map((player) => {
        const item = document.createElement("li");
        item.textContent = `${player.name}: ${player.placed} fitted`;
        return item;
      }),
    );
    setTimeout(() => {
      element("finish").hidden = false;
      this.parts.sound.chime();
    }, FINISH_PANEL_DELAY_MS);
  }
}
