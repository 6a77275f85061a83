/**
 * The room's audience in the HUD (issue 11): "12 playing, 240 watching" for
 * everyone, and for a watcher why it watches ("The room is full: you are
 * watching") with a *Take a seat* button. It builds its own small panel so the
 * HUD needs only the line that creates it; it is a box of the side slot;
 * it reads the store and asks it for a seat, and never touches the socket.
 */
import type { PuzzleStore } from "../store/puzzle-store.ts";
import { onNextFrame, setHidden, setText } from "./dom.ts";
import { HUD_BOX_CLASS } from "./hud-layout.ts";

/** What the panel says: the counts, and for a watcher its banner. */
export function audienceText(store: Pick<PuzzleStore, "audience" | "role" | "watchingBecause">): { counts: string; watching: string | null } {
  const audience = store.audience;
  const counts = audience ? `${audience.players} playing, ${audience.watchers} watching` : "";
  if (store.role !== "watcher") return { counts, watching: null };
  return { counts, watching: store.watchingBecause === "room-full" ? "The room is full: you are watching" : store.watchingBecause === "locked" ? "The host locked the room: you are watching" : "You are watching" };
}

export class AudiencePanel {
  private readonly panel = document.createElement("div");
  private readonly counts = document.createElement("span");
  private readonly watching = document.createElement("span");
  private readonly seat = document.createElement("button");

  constructor(private readonly store: PuzzleStore) {
    this.panel.id = "audience";
    // A box of the HUD's side slot (hud-layout.ts), so the table keeps clear of it on every screen.
    this.panel.className = `${HUD_BOX_CLASS} panel audience`;
    this.counts.id = "audience-counts";
    this.watching.id = "watching";
    this.seat.id = "take-seat";
    this.seat.type = "button";
    this.seat.className = "ghost-button";
    this.seat.textContent = "Take a seat";
    this.seat.addEventListener("click", () => store.takeSeat());
    this.panel.append(this.counts, this.watching, this.seat);
    (document.querySelector('[data-slot="side"]') ?? document.body).prepend(this.panel);
    store.subscribe(onNextFrame(() => this.render()));
    this.render();
  }

  private render(): void {
    const { counts, watching } = audienceText(this.store);
    setText(this.counts, counts);
    setText(this.watching, watching ?? "");
    setHidden(this.watching, watching === null);
    // A link closed for good (kicked, banned, refused) has no seat to offer.
    setHidden(this.seat, watching === null || this.store.status === "closed");
    setHidden(this.panel, counts === "" && watching === null);
  }
}
