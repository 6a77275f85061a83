/**
 * The players panel: who is here, in their colours, with the pieces each
 * fitted (joined to a neighbour or locked on the board: the room's per-player
 * count). It folds away behind the top bar's players button so it never keeps
 * a piece out of reach; on a small screen it starts folded and opens as a
 * drawer over the table.
 *
 * A name is a button: it moves the camera to that player's cursor (issue 14).
 * The host sees kick and ban beside the other players' names; the room checks
 * every command, so these buttons are a convenience, never the check.
 */
import type { Player } from "../../shared/protocol.ts";
import type { RoomControlsEvent } from "../../shared/host-controls.ts";
import { element, setText } from "./dom.ts";

/** What the panel's buttons do; the panel itself never reaches the room or the camera. */
export interface PlayerActions {
  jumpTo(playerId: string): void;
  kick(playerId: string, name: string): void;
  ban(playerId: string, name: string): void;
}

/** What the panel knows of the host seat: who holds it, and whether this player does. */
export interface HostView {
  controls: Readonly<RoomControlsEvent> | null;
  isHost: boolean;
}

/** Screens this narrow or this low open with the panel folded. */
const SMALL_SCREEN_QUERY = "(max-width: 700px), (max-height: 500px)";

export class PlayersPanel {
  private readonly panel = element("players");
  private readonly toggleButton = element("players-toggle");
  private signature = "";

  /** `changed` is told when the panel opens or closes (the HUD's boxes changed). */
  constructor(
    private readonly changed: () => void,
    private readonly actions?: PlayerActions,
  ) {
    this.setOpen(!window.matchMedia(SMALL_SCREEN_QUERY).matches);
    this.toggleButton.addEventListener("click", () => this.setOpen(!this.open));
    element("players-close").addEventListener("click", () => this.setOpen(false));
    element("player-list").addEventListener("click", (event) => this.clicked(event));
  }

  private clicked(event: Event): void {
    const button = (event.target as HTMLElement).closest<HTMLButtonElement>("button[data-do]");
    const item = button?.closest<HTMLElement>("li");
    const playerId = item?.dataset.playerId;
    if (!button || !playerId || !this.actions) return;
    const name = item.querySelector(".name")?.textContent ?? "";
    switch (button.dataset.do) {
      case "jump":
        return this.actions.jumpTo(playerId);
      case "kick":
        return this.actions.kick(playerId, name);
      case "ban":
        return this.actions.ban(playerId, name);
    }
  }

  get open(): boolean {
    return !this.panel.hidden;
  }

  setOpen(open: boolean): void {
    this.panel.hidden = !open;
    this.toggleButton.setAttribute("aria-expanded", String(open));
    this.changed();
  }

  render(players: readonly Player[], myId: string, host: HostView = { controls: null, isHost: false }): void {
    const sorted = [...players].sort((a, b) => Number(b.connected) - Number(a.connected) || b.placed - a.placed || a.name.localeCompare(b.name));
    setText(element("players-count"), String(sorted.filter((player) => player.connected).length));
    const hostId = host.controls?.hostId ?? null;
    const signature = JSON.stringify([sorted, myId, hostId, host.isHost]);
    if (signature === this.signature) return;
    this.signature = signature;
    element("player-list").replaceChildren(
      ...sorted.map((player) => {
        const item = document.createElement("li");
        item.className = `${player.connected ? "" : "away"} ${player.id === myId ? "me" : ""}`;
        item.dataset.playerId = player.id;
        const swatch = document.createElement("i");
        swatch.className = "swatch";
        swatch.style.background = player.color;
        const name = document.createElement("button");
        name.type = "button";
        name.className = "name";
        name.dataset.do = "jump";
        name.textContent = player.name;
        name.title = player.id === myId ? "You" : `Go to ${player.name}'s cursor`;
        name.disabled = player.id === myId || !player.connected;
        if (player.id === hostId) item.classList.add("host");
        const fitted = document.createElement("span");
        fitted.className = "fitted";
        fitted.textContent = String(player.placed);
        fitted.title = `${player.placed} pieces fitted: joined to a neighbour or locked on the board`;
        item.append(swatch, name);
        if (host.isHost && player.id !== myId) item.append(...hostButtons(player));
        item.append(fitted);
        return item;
      }),
    );
  }
}

/** Kick (a player who is here) and ban (also one who is away: the ban is on the token). */
function hostButtons(player: Player): HTMLButtonElement[] {
  const buttons: HTMLButtonElement[] = [];
  for (const [action, label] of [
    ["kick", "Kick"],
    ["ban", "Ban"],
  ] as const) {
    if (action === "kick" && !player.connected) continue;
    const button = document.createElement("button");
    button.type = "button";
    button.className = `host-action ${action}`;
    button.dataset.do = action;
    button.textContent = label;
    button.title = action === "kick" ? `Remove ${player.name} from the room (they may come back)` : `Ban ${player.name}: their connection is closed and they cannot come back`;
    buttons.push(button);
  }
  return buttons;
}
