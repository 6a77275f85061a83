/**
 * The players panel: who is here, in their colours, with the pieces each
 * fitted (joined to a neighbour or locked on the board: the room's per-player
 * count). It folds away behind the top bar's players button so it never keeps
 * a piece out of reach; on a small screen it starts folded and opens as a
 * drawer over the table.
 */
import type { Player } from "../../shared/protocol.ts";
import { element, setText } from "./dom.ts";

/** Screens this narrow or this low open with the panel folded. */
const SMALL_SCREEN_QUERY = "(max-width: 700px), (max-height: 500px)";

export class PlayersPanel {
  private readonly panel = element("players");
  private readonly toggleButton = element("players-toggle");
  private signature = "";

  /** `changed` is told when the panel opens or closes (the HUD's boxes changed). */
  constructor(private readonly changed: () => void) {
    this.setOpen(!window.matchMedia(SMALL_SCREEN_QUERY).matches);
    this.toggleButton.addEventListener("click", () => this.setOpen(!this.open));
    element("players-close").addEventListener("click", () => this.setOpen(false));
  }

  get open(): boolean {
    return !this.panel.hidden;
  }

  setOpen(open: boolean): void {
    this.panel.hidden = !open;
    this.toggleButton.setAttribute("aria-expanded", String(open));
    this.changed();
  }

  render(players: readonly Player[], myId: string): void {
    const sorted = [...players].sort((a, b) => Number(b.connected) - Number(a.connected) || b.placed - a.placed || a.name.localeCompare(b.name));
    setText(element("players-count"), String(sorted.filter((player) => player.connected).length));
    const signature = JSON.stringify([sorted, myId]);
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
        const name = document.createElement("span");
        name.className = "name";
        name.textContent = player.name;
        const fitted = document.createElement("span");
        fitted.className = "fitted";
        fitted.textContent = String(player.placed);
        fitted.title = `${player.placed} pieces fitted: joined to a neighbour or locked on the board`;
        item.append(swatch, name, fitted);
        return item;
      }),
    );
  }
}
