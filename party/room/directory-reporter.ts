/**
 * A listed room's side of the public lobby (issue 14): it tells the directory
 * party (party/directory/) what it is now. The room calls `changed()` whenever
 * something may have moved (server.ts: after every flush); the reporter posts
 * at most once per `reportIntervalMs`, only when what the list shows changed,
 * and once per `heartbeatMs` while the room has sockets open, so the directory
 * drops the room (its TTL) once it goes quiet. Whether the room is listed is
 * the creator's choice (hello's `listed`), kept in room storage under its own
 * key so a room reloaded from storage goes on reporting.
 *
 * Transport-free like RoomCore: time, timers, the post and the room's counts
 * come from the host.
 */
import * as v from "valibot";
import type { DirectoryReport } from "../../shared/directory.ts";
import type { Hello } from "../../shared/protocol.ts";
import type { RoomSummary } from "../../shared/http.ts";
import type { RoomStorage } from "./room-storage.ts";

/** A key of its own with its own default (absent: not listed), so no storage migration. */
export const LISTING_KEY = "directory:listing";
const ListingSchema = v.object({ imageId: v.string() });
type Listing = v.InferOutput<typeof ListingSchema>;

export interface DirectoryReporterHost {
  storage: RoomStorage;
  now(): number;
  /** Calls `callback` once, `delayMs` from now; returns a function that cancels it. */
  after(delayMs: number, callback: () => void): () => void;
  /** The room's id: its name in the list. */
  roomId: string;
  summary(): RoomSummary;
  /** Whether the room has sockets open: only then does it send heartbeats. */
  alive(): boolean;
  /**
   * Whether the room admits only those who know its password (issue 14's
   * private rooms). A room with one is never listed, whatever the hello says.
   */
  passwordProtected(hello: Hello): boolean;
  /** Sends the report to the directory; a failure is the host's to log (the next heartbeat tries again). */
  post(report: DirectoryReport): void;
}

export interface DirectoryReporterOptions {
  reportIntervalMs: number;
  heartbeatMs: number;
}

export class DirectoryReporter {
  private listing: Listing | null = null;
  private lastReport: DirectoryReport | null = null;
  private lastPostMs = Number.NEGATIVE_INFINITY;
  private cancel: (() => void) | null = null;
  private dueAtMs = Number.POSITIVE_INFINITY;
  /** Posts sent (tests). */
  posts = 0;

  constructor(
    private readonly host: DirectoryReporterHost,
    private readonly options: DirectoryReporterOptions,
  ) {}

  /** Whether this room is listed: its creator asked for it. */
  get listed(): boolean {
    return this.listing !== null;
  }

  /** After a start or a wake: whether the room was created listed. A stored value it cannot read counts as unlisted. */
  async load(): Promise<void> {
    const stored = (await this.host.storage.get<unknown>([LISTING_KEY])).get(LISTING_KEY);
    const parsed = v.safeParse(ListingSchema, stored);
    this.listing = parsed.success ? parsed.output : null;
  }

  /** The hello that created the puzzle: listed if it asks to be and the room has no password. */
  created(hello: Hello): void {
    if (hello.listed !== true || !hello.create || this.host.passwordProtected(hello)) return;
    this.listing = { imageId: hello.create.imageId };
    this.host.storage.put({ [LISTING_KEY]: this.listing }).catch((error: unknown) => console.error(`the room could not store its listing: ${String(error)}`));
    this.changed();
  }

  /** Something may have changed: a report goes out once the interval since the last allows. */
  changed(): void {
    if (!this.listing) return;
    this.wakeAt(Math.max(this.host.now(), this.lastPostMs + this.options.reportIntervalMs));
  }

  /** Stops the timer (the room is going away). */
  stop(): void {
    this.cancel?.();
    this.cancel = null;
    this.dueAtMs = Number.POSITIVE_INFINITY;
  }

  private wakeAt(atMs: number): void {
    if (atMs >= this.dueAtMs) return;
    this.cancel?.();
    this.dueAtMs = atMs;
    this.cancel = this.host.after(atMs - this.host.now(), () => {
      this.cancel = null;
      this.dueAtMs = Number.POSITIVE_INFINITY;
      this.tick();
    });
  }

  private tick(): void {
    const listing = this.listing;
    if (!listing) return;
    const now = this.host.now();
    const report = this.reportOf(listing, this.host.summary());
    if (report && (!sameReport(report, this.lastReport) || now - this.lastPostMs >= this.options.heartbeatMs)) {
      this.host.post(report);
      this.posts++;
      this.lastReport = report;
      this.lastPostMs = now;
    }
    // Never sooner than an interval from now: a room with nothing to say (no puzzle in memory) asks again later, not at once.
    if (this.host.alive()) this.wakeAt(Math.max(this.lastPostMs + this.options.heartbeatMs, now + this.options.reportIntervalMs));
  }

  /** Null while the room holds no puzzle (unloaded or unreadable): nothing true to say, so nothing is said. */
  private reportOf(listing: Listing, summary: RoomSummary): DirectoryReport | null {
    if (!summary.created) return null;
    return {
      room: this.host.roomId,
      imageId: listing.imageId,
      pieces: summary.pieces,
      placed: summary.placed,
      players: summary.connected,
      watchers: summary.watchers ?? 0,
      mode: "stateful",
      completed: summary.completedAtMs !== null,
    };
  }
}

function sameReport(a: DirectoryReport, b: DirectoryReport | null): boolean {
  return b !== null && a.pieces === b.pieces && a.placed === b.placed && a.players === b.players && a.watchers === b.watchers && a.completed === b.completed && a.imageId === b.imageId;
}
