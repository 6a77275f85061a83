/**
 * The chat panel (issue 14): the room's last lines, a field to talk, the mark
 * kind the next mark on the table shows, a mute per speaker and the room's
 * refusals. It is a box of the HUD's side slot (hud-layout.ts), so the table
 * keeps clear of it; a button in the top bar, with the unread count, opens and
 * folds it, and on a small screen it starts folded, a drawer over the table's
 * edge. Everything a player wrote is set as text (textContent), never as HTML.
 *
 * The host also sees a ban beside a watcher's lines: a watcher is in no players
 * list, and its lines are where it can bother anyone (the room checks the command).
 *
 * Keys: Enter opens the panel and puts the cursor in the field, Enter in the
 * field sends, Esc leaves the field. It builds its own elements, reads the chat
 * store and asks it to send; it never touches the socket.
 */
import { MARK_KINDS, MAX_CHAT_CHARS, type ChatLine, type MarkKind } from "../../shared/chat.ts";
import { MARK_GLYPHS } from "../views/ping-layer.ts";
import type { ChatStore } from "../store/chat.ts";
import { isTyping, setHidden, setText } from "./dom.ts";
import { HUD_BOX_CLASS } from "./hud-layout.ts";

/** Screens this narrow or this low open with the panel folded (as the players panel). */
const SMALL_SCREEN_QUERY = "(max-width: 700px), (max-height: 500px)";

const MARK_LABELS: Record<MarkKind, string> = { look: "Look here", "thumbs-up": "Thumbs up", question: "Question", heart: "Heart" };

/** What the panel needs of the host seat: whether this player holds it, and its ban. */
export interface ChatHost {
  readonly isHost: boolean;
  subscribe(listener: () => void): () => void;
  ban(watcherId: string, name: string): void;
}

export class ChatPanel {
  private readonly panel = document.createElement("aside");
  private readonly list = document.createElement("ol");
  private readonly form = document.createElement("form");
  private readonly input = document.createElement("input");
  private readonly refusal = document.createElement("p");
  private readonly muted = document.createElement("button");
  private readonly toggle = document.createElement("button");
  private readonly badge = document.createElement("span");
  private readonly kindButtons = new Map<MarkKind, HTMLButtonElement>();
  private shownRevision = -1;
  private shownAsHost = false;

  /** `changed` is told when the panel opens or folds (the HUD's boxes changed). */
  constructor(
    private readonly chat: ChatStore,
    private readonly changed: () => void,
    private readonly host?: ChatHost,
  ) {
    this.build();
    chat.subscribe(() => this.render());
    // The room's store changes with every frame; only the host seat changing the lines matters here.
    host?.subscribe(() => {
      if (host.isHost !== this.shownAsHost) this.render();
    });
    this.setOpen(!window.matchMedia(SMALL_SCREEN_QUERY).matches);
    window.addEventListener("keydown", (event) => this.onKey(event));
    this.render();
  }

  private build(): void {
    this.toggle.id = "chat-toggle";
    this.toggle.type = "button";
    this.toggle.className = "ghost-button";
    this.toggle.title = "Chat (Enter)";
    this.toggle.setAttribute("aria-controls", "chat");
    this.toggle.innerHTML = '<svg class="icon" viewBox="0 0 24 24"><path d="M4 5h16v11H9l-5 4z" /></svg><span class="label">Chat</span>';
    this.badge.id = "chat-unread";
    this.badge.className = "unread";
    this.toggle.append(this.badge);
    this.toggle.addEventListener("click", () => this.setOpen(!this.chat.open));
    (document.getElementById("hud-room") ?? document.body).append(this.toggle);

    this.panel.id = "chat";
    this.panel.className = `${HUD_BOX_CLASS} panel chat`;
    this.panel.setAttribute("aria-label", "Chat");
    const head = document.createElement("h2");
    const title = document.createElement("span");
    title.textContent = "Chat";
    this.muted.type = "button";
    this.muted.className = "chat-muted";
    this.muted.addEventListener("click", () => this.chat.unmuteAll());
    const close = document.createElement("button");
    close.type = "button";
    close.className = "close";
    close.setAttribute("aria-label", "Hide the chat");
    close.innerHTML = '<svg class="icon"><use href="#i-close" /></svg>';
    close.addEventListener("click", () => this.setOpen(false));
    head.append(title, this.muted, close);

    this.list.id = "chat-lines";
    this.list.className = "chat-lines";
    this.list.setAttribute("aria-live", "polite");
    // A press on a speaker's mute button mutes that speaker; the host's ban asks the room.
    this.list.addEventListener("click", (event) => {
      const target = event.target as HTMLElement;
      const from = target.closest<HTMLElement>("[data-mute]")?.dataset.mute;
      if (from) this.chat.setMuted(from, true);
      const ban = target.closest<HTMLElement>("[data-ban]");
      if (ban) this.host?.ban(ban.dataset.ban!, ban.dataset.name ?? "");
    });

    const kinds = document.createElement("div");
    kinds.className = "mark-kinds";
    kinds.setAttribute("role", "group");
    kinds.setAttribute("aria-label", "What your marks on the table show (X, Alt+click or a long press)");
    for (const kind of MARK_KINDS) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.kind = kind;
      button.title = `${MARK_LABELS[kind]}: mark the table with X, Alt+click or a long press`;
      button.textContent = MARK_GLYPHS[kind];
      button.addEventListener("click", () => this.chat.setMarkKind(kind));
      this.kindButtons.set(kind, button);
      kinds.append(button);
    }

    this.input.id = "chat-input";
    this.input.autocomplete = "off";
    this.input.enterKeyHint = "send";
    this.input.placeholder = "Say something (Enter)";
    this.input.setAttribute("aria-label", "Chat message");
    this.input.maxLength = MAX_CHAT_CHARS * 4;
    this.input.addEventListener("keydown", (event) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      this.input.blur();
    });
    const send = document.createElement("button");
    send.type = "submit";
    send.className = "ghost-button";
    send.textContent = "Send";
    this.form.className = "chat-form";
    this.form.append(this.input, send);
    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (this.chat.say(this.input.value).ok) this.input.value = "";
    });

    this.refusal.id = "chat-refusal";
    this.refusal.className = "chat-refusal";
    this.refusal.setAttribute("role", "status");
    this.panel.append(head, this.list, kinds, this.form, this.refusal);
    (document.querySelector('[data-slot="side"]') ?? document.body).append(this.panel);
  }

  private setOpen(open: boolean): void {
    this.chat.setOpen(open);
    this.panel.hidden = !open;
    this.toggle.setAttribute("aria-expanded", String(open));
    this.changed();
    if (open) this.list.scrollTop = this.list.scrollHeight;
  }

  private onKey(event: KeyboardEvent): void {
    if (event.key !== "Enter" || isTyping(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    // Enter on a button presses it; anywhere else it opens the field.
    if (event.target instanceof HTMLButtonElement) return;
    event.preventDefault();
    if (!this.chat.open) this.setOpen(true);
    this.input.focus();
  }

  private render(): void {
    const unread = this.chat.unread;
    setText(this.badge, unread > 0 ? String(unread > 99 ? "99+" : unread) : "");
    setHidden(this.badge, unread === 0);
    for (const [kind, button] of this.kindButtons) button.setAttribute("aria-pressed", String(kind === this.chat.markKind));
    setText(this.refusal, this.chat.lastRefusal ?? "");
    const muted = this.chat.mutedCount;
    setText(this.muted, muted > 0 ? `${muted} muted · unmute` : "");
    setHidden(this.muted, muted === 0);
    const asHost = this.host?.isHost ?? false;
    if (this.chat.revision === this.shownRevision && asHost === this.shownAsHost) return;
    this.shownRevision = this.chat.revision;
    this.shownAsHost = asHost;
    const lines = this.chat.lines;
    const atBottom = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 8;
    this.list.replaceChildren(...lines.map((line) => this.lineItem(line)));
    if (atBottom) this.list.scrollTop = this.list.scrollHeight;
  }

  private lineItem(line: ChatLine): HTMLLIElement {
    const item = document.createElement("li");
    item.dataset.from = line.from;
    item.dataset.id = String(line.id);
    const who = document.createElement("span");
    who.className = line.watcher ? "who watcher" : "who";
    who.style.color = line.color;
    who.textContent = line.name;
    if (line.watcher) who.title = "watching";
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = line.text;
    item.append(who, text);
    if (line.from !== this.chat.me) {
      const mute = document.createElement("button");
      mute.type = "button";
      mute.className = "mute";
      mute.dataset.mute = line.from;
      mute.title = `Mute ${line.name} in this room`;
      mute.setAttribute("aria-label", `Mute ${line.name}`);
      mute.textContent = "mute";
      item.append(mute);
    }
    if (line.watcher && line.from !== this.chat.me && this.shownAsHost) {
      const ban = document.createElement("button");
      ban.type = "button";
      ban.className = "ban";
      ban.dataset.ban = line.from;
      ban.dataset.name = line.name;
      ban.title = `Ban ${line.name}, who is watching: their connection is closed and they cannot come back`;
      ban.setAttribute("aria-label", `Ban ${line.name}`);
      ban.textContent = "ban";
      item.append(ban);
    }
    return item;
  }
}
