/**
 * Everything around the table: mode, progress, timer, connection and RTT, the
 * lost-move/desync counters, players, notices, banners, help, the finish panel
 * and the keyboard shortcuts. It reads the store and drives the scene through
 * a few controls; it never touches the socket.
 */
import type { Mode } from "../../shared/protocol.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import type { TidyKind } from "../store/tidy.ts";
import { element, formatDuration, setText } from "./dom.ts";
import { LostMovePanel, type LostMoveMark } from "./lost-move-panel.ts";

export interface TableControls {
  fit(): void;
  zoom(factor: number): void;
  pan(dx: number, dy: number): void;
  toggleGhost(): boolean;
  tidy(kind: TidyKind): void;
  /** Highlights a lost move's piece on the table (the lost-move panel); null clears it. */
  showLostMove(mark: LostMoveMark | null): void;
}

const MODE_LABEL: Record<Mode, string> = {
  stateful: "Stateful room",
  stateless: "Stateless + store",
  "stateless-occ": "Stateless + OCC",
};
const PAN_STEP_PX = 80;
const ZOOM_STEP = 1.25;

export class Hud {
  private scheduled = false;
  private finishShown = false;
  private shownNotices = new Set<number>();
  private playersSignature = "";
  private readonly lostMoves: LostMovePanel;

  constructor(
    private readonly store: PuzzleStore,
    private readonly controls: TableControls,
    private readonly roomLink: string,
  ) {
    for (const id of ["hud", "players", "toolbar"]) element(id).hidden = false;
    // The lost-move counter opens its panel (a box of its own, lost-move-panel.ts).
    this.lostMoves = new LostMovePanel(store, new URL(roomLink).searchParams.get("room") ?? "", element("integrity"), (mark) => controls.showLostMove(mark));
    const badge = element("mode-badge");
    store.subscribe(() => this.schedule());
    element("share").addEventListener("click", () => void this.copyLink());
    element("help-close").addEventListener("click", () => (element("help").hidden = true));
    element("finish-close").addEventListener("click", () => (element("finish").hidden = true));
    element("toolbar").addEventListener("click", (event) => {
      const action = (event.target as HTMLElement).closest("button")?.dataset.action;
      if (action) this.run(action);
    });
    window.addEventListener("keydown", (event) => this.onKey(event));
    setInterval(() => this.renderTimer(), 1_000);
    badge.textContent = "…";
    this.render();
  }

  private run(action: string): void {
    switch (action) {
      case "zoom-in":
        return this.controls.zoom(ZOOM_STEP);
      case "zoom-out":
        return this.controls.zoom(1 / ZOOM_STEP);
      case "fit":
        return this.controls.fit();
      case "ghost": {
        const on = this.controls.toggleGhost();
        document.querySelector('[data-action="ghost"]')?.setAttribute("aria-pressed", String(on));
        return;
      }
      case "edges":
        return this.controls.tidy("edges");
      case "gather":
        return this.controls.tidy("gather");
      case "help":
        element("help").hidden = !element("help").hidden;
        return;
      case "link":
        void this.copyLink();
        return;
    }
  }

  private onKey(event: KeyboardEvent): void {
    if (event.target instanceof HTMLInputElement || event.ctrlKey || event.metaKey || event.altKey) return;
    const keys: Record<string, string | [number, number]> = {
      f: "fit",
      "+": "zoom-in",
      "=": "zoom-in",
      "-": "zoom-out",
      g: "ghost",
      e: "edges",
      r: "gather",
      l: "link",
      "?": "help",
      h: "help",
      arrowleft: [PAN_STEP_PX, 0],
      a: [PAN_STEP_PX, 0],
      arrowright: [-PAN_STEP_PX, 0],
      d: [-PAN_STEP_PX, 0],
      arrowup: [0, PAN_STEP_PX],
      w: [0, PAN_STEP_PX],
      arrowdown: [0, -PAN_STEP_PX],
      s: [0, -PAN_STEP_PX],
      escape: "close",
    };
    const action = keys[event.key.toLowerCase()];
    if (action === undefined) return;
    event.preventDefault();
    if (Array.isArray(action)) return this.controls.pan(action[0], action[1]);
    if (action === "close") {
      element("help").hidden = true;
      element("finish").hidden = true;
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

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      this.render();
    });
  }

  private render(): void {
    const store = this.store;
    const badge = element("mode-badge");
    setText(badge, MODE_LABEL[store.mode]);
    badge.className = `badge ${store.mode}`;

    const { placed, total } = store.progress();
    const width = `${total ? (100 * placed) / total : 0}%`;
    const fill = element("progress-fill");
    if (fill.style.width !== width) fill.style.width = width;
    setText(element("progress-text"), `${placed} / ${total}`);
    this.renderTimer();

    const status = element("status");
    const rtt = store.rttMs === null ? "" : ` · ${Math.round(store.rttMs)} ms`;
    const statusClass = `status ${store.status}`;
    if (status.className !== statusClass) status.className = statusClass;
    setText(element("status-text"), `${store.status === "open" ? "online" : store.status}${store.status === "open" ? rtt : ""}`);

    const integrity = element("integrity");
    const { lostMoves, desyncedPieces } = store.integrity;
    setText(integrity, `lost moves ${lostMoves} · desynced ${desyncedPieces}`);
    integrity.classList.toggle("bad", lostMoves > 0 || desyncedPieces > 0);
    this.lostMoves.update();

    const banner = element("banner");
    const fatal = store.notices.fatal;
    if (fatal) {
      banner.hidden = false;
      banner.className = "banner fatal";
      banner.textContent = fatal;
    } else if (store.status === "reconnecting") {
      banner.hidden = false;
      banner.className = "banner";
      banner.textContent = "Connection lost: reconnecting… your placed pieces are safe.";
    } else banner.hidden = true;

    this.renderPlayers();
    this.renderNotices();
    if (store.completedAtMs() !== null && !this.finishShown) this.showFinish();
  }

  private renderTimer(): void {
    const started = this.store.startedAtMs();
    if (started === null) return;
    const end = this.store.completedAtMs() ?? Date.now();
    setText(element("timer"), formatDuration(end - started));
  }

  private renderPlayers(): void {
    const list = element("player-list");
    const players = this.store.players().sort((a, b) => Number(b.connected) - Number(a.connected) || b.placed - a.placed || a.name.localeCompare(b.name));
    const signature = JSON.stringify(players);
    if (signature === this.playersSignature) return;
    this.playersSignature = signature;
    list.replaceChildren(
      ...players.map((player) => {
        const item = document.createElement("li");
        item.className = `${player.connected ? "" : "away"} ${player.id === this.store.myId ? "me" : ""}`;
        item.dataset.playerId = player.id;
        const swatch = document.createElement("i");
        swatch.className = "swatch";
        swatch.style.background = player.color;
        const name = document.createElement("span");
        name.className = "name";
        name.textContent = player.name;
        const placed = document.createElement("span");
        placed.className = "placed";
        placed.textContent = String(player.placed);
        placed.title = "pieces placed";
        item.append(swatch, name, placed);
        return item;
      }),
    );
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

  private showFinish(): void {
    this.finishShown = true;
    const started = this.store.startedAtMs() ?? 0;
    const completed = this.store.completedAtMs() ?? started;
    const players = this.store.players().filter((player) => player.placed > 0).sort((a, b) => b.placed - a.placed);
    element("finish-time").textContent = `${this.store.progress().total} pieces in ${formatDuration(completed - started)} by ${players.length || 1} player${players.length === 1 ? "" : "s"}.`;
    element("finish-ranking").replaceChildren(
      ...players.map((player) => {
        const item = document.createElement("li");
        item.textContent = `${player.name}: ${player.placed} placed`;
        return item;
      }),
    );
    // Let the picture fade in on the table first.
    setTimeout(() => (element("finish").hidden = false), 900);
  }
}
