/**
 * What the client holds of the room's talk (issue 14): the last chat lines, the
 * marks on the table still showing, the unread count while the panel is closed,
 * the speakers this player muted (remembered per room in the storage it is
 * given) and the last refusal to show. It listens to the link itself and sends
 * through it; no DOM, no timer of its own (marks expire on the clock).
 */
import { CHAT_HISTORY_LENGTH, MARK_SHOWN_MS, markOnTable, normalizeChat, type ChatLine, type MarkKind } from "../../shared/chat.ts";
import type { PuzzleSpec } from "../../shared/puzzle-spec.ts";
import type { BatchEvent, ServerMessage } from "../../shared/protocol.ts";
import { Alarm, type Clock } from "./clock.ts";
import type { RoomLink } from "./room-link.ts";

/** A mark showing on the table: where (table px), what, whose, and since when on the store's clock. */
export interface ShownMark {
  id: number;
  from: string;
  name: string;
  color: string;
  x: number;
  y: number;
  kind: MarkKind;
  shownAtMs: number;
}

/** Where mutes are remembered: localStorage in the browser, a map in tests. */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Marks remembered after they faded, for tests. */
const MARK_LOG_LENGTH = 32;

export type SendResult = { ok: true } | { ok: false; message: string };

export class ChatStore {
  private lineList: ChatLine[] = [];
  private markList: ShownMark[] = [];
  /** The last marks received (shown or since faded), for the test hook. */
  private readonly markLog: ShownMark[] = [];
  private nextMarkId = 1;
  private readonly muted: Set<string>;
  private unreadCount = 0;
  private panelOpen = false;
  private refusal: string | null = null;
  private myId = "";
  private table: Pick<PuzzleSpec, "tableWidth" | "tableHeight"> | null = null;
  private linkOpen = false;
  private kind: MarkKind = "look";
  /** Bumped whenever the lines to show change: a view redraws them only then. */
  private linesRevision = 0;
  private readonly listeners = new Set<() => void>();
  private readonly expiry: Alarm;

  constructor(
    private readonly link: RoomLink,
    private readonly clock: Clock,
    private readonly storage: KeyValueStore,
    private readonly room: string,
  ) {
    this.muted = new Set(readMutes(storage.getItem(this.muteKey())));
    this.expiry = new Alarm(clock, () => this.expireMarks());
    link.onFrame((message) => this.receive(message));
    link.onStatus((status) => {
      this.linkOpen = status.state === "open";
    });
  }

  // ---- reads ----

  /** The lines to show, oldest first: muted speakers' lines left out. */
  get lines(): readonly ChatLine[] {
    return this.lineList.filter((line) => !this.muted.has(line.from));
  }

  get revision(): number {
    return this.linesRevision;
  }

  /** What this player's next mark shows. */
  get markKind(): MarkKind {
    return this.kind;
  }

  /** How many speakers this player muted in this room. */
  get mutedCount(): number {
    return this.muted.size;
  }

  /** The last marks received, oldest first, faded or not. */
  get markHistory(): readonly ShownMark[] {
    return this.markLog;
  }

  /** Marks showing now, oldest first (muted speakers' are never kept). */
  get marks(): readonly ShownMark[] {
    return this.markList;
  }

  get unread(): number {
    return this.unreadCount;
  }

  get open(): boolean {
    return this.panelOpen;
  }

  /** The room's last refusal of this player's line or mark, until the next line is sent. */
  get lastRefusal(): string | null {
    return this.refusal;
  }

  get me(): string {
    return this.myId;
  }

  isMuted(from: string): boolean {
    return this.muted.has(from);
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- what the player does ----

  /** Sends a line, or says why not without sending (the room would refuse it for the same reason). */
  say(text: string): SendResult {
    const checked = normalizeChat(text);
    if (!checked.ok) return this.refused(checked.message);
    if (!this.linkOpen) return this.refused("Not connected: the message was not sent.");
    this.refusal = null;
    this.link.send({ type: "chat", text: checked.text });
    this.emit();
    return { ok: true };
  }

  /** Marks a table spot (table px) for everyone. */
  mark(x: number, y: number, kind: MarkKind = this.kind): SendResult {
    if (!this.table || !markOnTable(this.table, x, y)) return this.refused("Marks go on the table; that spot is off it.");
    if (!this.linkOpen) return this.refused("Not connected: the mark was not sent.");
    this.link.send({ type: "mark", x: Math.round(x), y: Math.round(y), kind });
    return { ok: true };
  }

  setMarkKind(kind: MarkKind): void {
    this.kind = kind;
    this.emit();
  }

  unmuteAll(): void {
    for (const from of [...this.muted]) this.setMuted(from, false);
  }

  setOpen(open: boolean): void {
    if (this.panelOpen === open) return;
    this.panelOpen = open;
    if (open) this.unreadCount = 0;
    this.emit();
  }

  /** Mutes (or unmutes) a speaker for this room: their lines and marks are no longer shown here. */
  setMuted(from: string, muted: boolean): void {
    if (from === this.myId || this.muted.has(from) === muted) return;
    if (muted) this.muted.add(from);
    else this.muted.delete(from);
    this.storage.setItem(this.muteKey(), JSON.stringify([...this.muted]));
    if (muted) this.markList = this.markList.filter((mark) => mark.from !== from);
    this.linesRevision++;
    this.emit();
  }

  // ---- fed by the link ----

  private receive(message: ServerMessage): void {
    if (message.type === "welcome") {
      this.myId = message.playerId;
      this.table = message.snapshot.spec;
      // A welcome without history (a new room, a stateless hub) leaves what was heard.
      return this.emit();
    }
    if (message.type !== "batch") return;
    let changed = false;
    for (const event of message.events) changed = this.event(event) || changed;
    if (changed) this.emit();
  }

  private event(event: BatchEvent): boolean {
    switch (event.type) {
      case "chat-history":
        // The room's history replaces what was held: after a reconnect it is the whole truth.
        this.lineList = event.lines.slice(-CHAT_HISTORY_LENGTH);
        this.linesRevision++;
        return true;
      case "chat":
        if (this.lineList.some((line) => line.id === event.line.id && line.atMs === event.line.atMs)) return false;
        this.lineList.push(event.line);
        if (this.lineList.length > CHAT_HISTORY_LENGTH) this.lineList.shift();
        this.linesRevision++;
        if (!this.panelOpen && event.line.from !== this.myId && !this.muted.has(event.line.from)) this.unreadCount++;
        return true;
      case "mark": {
        if (this.muted.has(event.from)) return false;
        const shownAtMs = this.clock.now();
        const mark: ShownMark = { id: this.nextMarkId++, from: event.from, name: event.name, color: event.color, x: event.x, y: event.y, kind: event.kind, shownAtMs };
        this.markList.push(mark);
        this.markLog.push(mark);
        if (this.markLog.length > MARK_LOG_LENGTH) this.markLog.shift();
        this.expiry.setAt(this.markList[0]!.shownAtMs + MARK_SHOWN_MS);
        return true;
      }
      case "chat-refused":
        this.refusal = event.message;
        return true;
      default:
        return false;
    }
  }

  private expireMarks(): void {
    const nowMs = this.clock.now();
    const before = this.markList.length;
    this.markList = this.markList.filter((mark) => nowMs - mark.shownAtMs < MARK_SHOWN_MS);
    const next = this.markList[0];
    if (next) this.expiry.setAt(next.shownAtMs + MARK_SHOWN_MS);
    if (this.markList.length !== before) this.emit();
  }

  private refused(message: string): SendResult {
    this.refusal = message;
    this.emit();
    return { ok: false, message };
  }

  private muteKey(): string {
    return `puzzle-rooms:mutes:${this.room}`;
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

function readMutes(stored: string | null): string[] {
  if (stored === null) return [];
  try {
    const parsed: unknown = JSON.parse(stored);
    return Array.isArray(parsed) ? parsed.filter((item): item is string => typeof item === "string") : [];
  } catch {
    return [];
  }
}
