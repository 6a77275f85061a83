/**
 * The landing page's public rooms (issue 14): one card per listed room, its
 * picture, name, pieces, progress, players and watchers, with Join and Watch.
 * Cards are kept by room id across refreshes, so a refresh moves no focus and
 * no button from under the pointer unless the rooms themselves changed.
 * Everything shown is text (textContent), never HTML.
 */
import type { DirectoryEntry, DirectoryListing } from "../../shared/directory.ts";
import { imageUrl } from "../images.ts";

/** What a card's buttons ask for: play in the room, or watch it. */
export type DirectoryPick = (room: string, watch: boolean) => void;

/** The sentence under the heading when no room is listed. */
export const EMPTY_DIRECTORY_TEXT = "No public rooms right now. Create one and tick “List in public rooms” so others can find it.";

interface Card {
  root: HTMLElement;
  picture: HTMLImageElement;
  imageId: string;
  pieces: HTMLElement;
  progress: HTMLElement;
  bar: HTMLElement;
  people: HTMLElement;
}

/** Draws listings into `list` (and `status` for the empty or failed state). */
export class RoomDirectoryView {
  private readonly cards = new Map<string, Card>();

  constructor(
    private readonly list: HTMLElement,
    private readonly status: HTMLElement,
    private readonly pick: DirectoryPick,
  ) {}

  show(listing: DirectoryListing): void {
    const seen = new Set<string>();
    const order: HTMLElement[] = [];
    for (const entry of listing.rooms) {
      seen.add(entry.room);
      const card = this.cards.get(entry.room) ?? this.card(entry.room);
      this.fill(card, entry);
      order.push(card.root);
    }
    for (const [room, card] of this.cards) {
      if (seen.has(room)) continue;
      card.root.remove();
      this.cards.delete(room);
    }
    const current = [...this.list.children];
    if (current.length !== order.length || order.some((root, index) => current[index] !== root)) this.list.replaceChildren(...order);
    this.list.hidden = order.length === 0;
    this.status.classList.remove("error");
    this.status.textContent = order.length === 0 ? EMPTY_DIRECTORY_TEXT : "";
    this.status.hidden = order.length > 0;
  }

  /** The list could not be read: the rooms shown stay, with the reason under them. */
  failed(reason: string): void {
    this.status.hidden = false;
    this.status.classList.add("error");
    this.status.textContent = `Public rooms: ${reason}. Trying again in a few seconds.`;
  }

  private card(room: string): Card {
    const root = document.createElement("li");
    root.className = "directory-room";
    root.dataset.room = room;
    const picture = document.createElement("img");
    picture.alt = "";
    picture.loading = "lazy";
    picture.decoding = "async";
    const text = document.createElement("div");
    text.className = "directory-text";
    const name = document.createElement("strong");
    name.className = "directory-name";
    name.textContent = room;
    const pieces = document.createElement("span");
    pieces.className = "directory-pieces";
    const progress = document.createElement("span");
    progress.className = "directory-progress";
    const meter = document.createElement("div");
    meter.className = "progress";
    const bar = document.createElement("div");
    bar.className = "progress-fill";
    meter.append(bar);
    const people = document.createElement("span");
    people.className = "directory-people";
    const line = document.createElement("span");
    line.append(pieces, " · ", progress);
    text.append(name, line, people, meter);
    const actions = document.createElement("div");
    actions.className = "directory-actions";
    actions.append(this.button("Join", room, false), this.button("Watch", room, true));
    root.append(picture, text, actions);
    const card = { root, picture, imageId: "", pieces, progress, bar, people };
    this.cards.set(room, card);
    return card;
  }

  private button(label: string, room: string, watch: boolean): HTMLButtonElement {
    const button = document.createElement("button");
    button.type = "button";
    button.className = watch ? "ghost-button directory-watch" : "directory-join";
    button.textContent = label;
    button.setAttribute("aria-label", `${label} room ${room}`);
    button.addEventListener("click", () => this.pick(room, watch));
    return button;
  }

  private fill(card: Card, entry: DirectoryEntry): void {
    if (card.imageId !== entry.imageId) {
      card.imageId = entry.imageId;
      card.picture.src = imageUrl(entry.imageId, entry.room);
    }
    const percent = entry.pieces === 0 ? 0 : Math.floor((entry.placed / entry.pieces) * 100);
    card.pieces.textContent = `${entry.pieces.toLocaleString("en")} pieces`;
    card.progress.textContent = entry.completed ? "solved" : `${percent}% placed`;
    card.bar.style.width = `${entry.completed ? 100 : percent}%`;
    card.people.textContent = `${plural(entry.players, "player")} · ${plural(entry.watchers, "watcher")}`;
  }
}

function plural(count: number, noun: string): string {
  return `${count.toLocaleString("en")} ${noun}${count === 1 ? "" : "s"}`;
}
