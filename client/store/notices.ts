/**
 * The sentences players read: short-lived notices (refusals, tidying, lost
 * moves) and the one fatal reason a room refused this client for good. Every
 * typed code the room or the rules send is turned into words here, and only here.
 */
import type { ErrorCode } from "../../shared/protocol.ts";
import type { RejectReason } from "../../shared/rules.ts";
import { Alarm, type Clock } from "./clock.ts";
import type { LinkRefusal } from "./room-link.ts";
import type { TidyKind } from "./tidy.ts";

/** Notices disappear after this long. */
export const NOTICE_TTL_MS = 4_000;

export interface Notice {
  id: number;
  kind: "reject" | "info" | "error";
  text: string;
  atMs: number;
}

const REJECT_TEXT: Record<RejectReason, string> = {
  "no-such-piece": "That piece does not exist.",
  "piece-locked": "That piece is already in place.",
  "held-by-other": "Someone else is holding that piece.",
  "not-holding": "You are no longer holding that piece.",
  "out-of-range": "That spot is off the table.",
  "puzzle-complete": "The puzzle is already complete.",
  conflict: "The store was too busy to save that move (write conflicts); try again.",
  "rotation-off": "Pieces do not turn in this room.",
  "bad-rotation": "A piece turns by quarter turns only.",
  "rate-limited": "That was faster than the room accepts moves; it was dropped.",
  watching: "You are watching: take a seat to play.",
  "watch-only": "The host made this room a show: nobody moves pieces for now.",
};

export class Notices {
  private list: Notice[] = [];
  private nextId = 1;
  private fatalReason: string | null = null;
  private readonly expiry: Alarm;

  constructor(
    private readonly clock: Clock,
    private readonly changed: () => void,
  ) {
    this.expiry = new Alarm(clock, () => this.expire());
  }

  /** The notices to show now, oldest first. */
  get current(): readonly Notice[] {
    return this.list;
  }

  /** Why the room refused this client for good, if it did. */
  get fatal(): string | null {
    return this.fatalReason;
  }

  add(kind: Notice["kind"], text: string): void {
    const atMs = this.clock.now();
    this.list.push({ id: this.nextId++, kind, text, atMs });
    if (this.list.length === 1) this.expiry.setAt(atMs + NOTICE_TTL_MS);
    this.changed();
  }

  /** A welcome: whatever refused this client before no longer does. */
  welcomed(): void {
    this.fatalReason = null;
  }

  /** An error frame: a refusal for good (no puzzle, room full, version), or a refused message. */
  roomError(code: ErrorCode, message: string): void {
    switch (code) {
      case "no-puzzle":
        return this.setFatal("This room has no puzzle yet. Ask for a fresh link, or create a new room.");
      case "room-full":
        return this.setFatal(`Cannot join: ${message}. Create a room of your own below, or try again later.`);
      case "version-mismatch":
        return this.setFatal(`Cannot join: ${message}.`);
      default:
        return this.add("error", `The room refused a message: ${message}`);
    }
  }

  /** The room closed the link for good; its error frame, when one came first, has said why already. */
  refused(refusal: LinkRefusal): void {
    if (this.fatalReason) return;
    this.setFatal(refusal.reason || (refusal.code === "room-full" ? "The room is full." : "This game version does not match the server. Reload the page."));
  }

  rejected(reason: RejectReason): void {
    this.add("reject", REJECT_TEXT[reason]);
  }

  heldBy(name: string): void {
    this.add("reject", `${name} is holding that piece.`);
  }

  grabbedFirst(name: string): void {
    this.add("reject", `${name} grabbed that piece first.`);
  }

  grabForgotten(): void {
    this.add("error", "The room forgot your acknowledged grab of that piece: another write overwrote it.");
  }

  movesVanished(count: number): void {
    this.add("error", `${count} of your acknowledged moves vanished from the stored state.`);
  }

  /** A watcher's seat was granted. */
  seated(): void {
    this.add("info", "You took a seat: you are playing now.");
  }

  /** A watcher asked for a seat and every one was taken: it goes on watching. */
  seatRefused(message: string): void {
    this.add("reject", `No seat for you yet: ${message}.`);
  }

  tidyPlanned(kind: TidyKind, count: number): void {
    if (count === 0) this.add("info", kind === "edges" ? "No loose edge pieces to sort." : "Nothing to gather.");
    else this.add("info", kind === "edges" ? `Sorting ${count} edge pieces above the board…` : `Gathering ${count} loose pieces…`);
  }

  private setFatal(reason: string): void {
    this.fatalReason = reason;
    this.changed();
  }

  private expire(): void {
    const nowMs = this.clock.now();
    this.list = this.list.filter((notice) => nowMs - notice.atMs < NOTICE_TTL_MS);
    const oldest = this.list[0];
    if (oldest) this.expiry.setAt(oldest.atMs + NOTICE_TTL_MS);
    this.changed();
  }
}
