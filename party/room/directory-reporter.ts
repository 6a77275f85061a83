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
 * Transport-free like RoomCore: time, the post and the room's counts come from
 * the host. It has no timer of its own: it asks the host to wake it (`wakeAt`,
 * the room's one storage alarm, shared with the room's other deadlines) and
 * the host calls `wake()` whenever that alarm rings, so a room with its sockets
 * open may sleep (hibernate) between two reports.
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
  /**
   * Asks for `wake()` at `atMs` or a little later. The room's one alarm serves
   * every deadline of the room, so `wake()` may also come sooner, for another's.
   */
  wakeAt(atMs: number): void;
  /**
   * The room's id: its name in the list. Null where the room cannot reach the
   * directory (a room object its alarm built: directory-post.ts): the reporter
   * then stays silent and asks for no wake-up.
   */
  roomId: string | null;
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
  /** When the next report is due (infinite: none is); the alarm was asked for it. */
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

  /** Whether reports go out: the room is listed and can reach the directory. */
  private get reporting(): boolean {
    return this.listing !== null && this.host.roomId !== null;
  }

  /**
   * After a start or a wake, once the sockets the runtime kept are back:
   * whether the room was created listed (a stored value it cannot read counts
   * as unlisted). A listed room with sockets open reports again and its
   * heartbeat goes on. The room's last life may have posted just before it
   * ended, so the next report waits an interval from now: a wake between two
   * posts never brings them closer.
   */
  async load(): Promise<void> {
    const stored = (await this.host.storage.get<unknown>([LISTING_KEY])).get(LISTING_KEY);
    const parsed = v.safeParse(ListingSchema, stored);
    this.listing = parsed.success ? parsed.output : null;
    if (!this.reporting) return;
    this.lastPostMs = this.host.now();
    if (this.host.alive()) this.dueBy(this.lastPostMs + this.options.reportIntervalMs);
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
    if (!this.reporting) return;
    this.dueBy(Math.max(this.host.now(), this.lastPostMs + this.options.reportIntervalMs));
  }

  /**
   * The room's alarm rang: the report goes out if it is due. An alarm rung for
   * another deadline leaves it waiting, and asks again for its own time (an
   * alarm that rang is no longer armed for anyone).
   */
  wake(): void {
    if (this.dueAtMs === Number.POSITIVE_INFINITY) return;
    if (this.dueAtMs > this.host.now()) return this.host.wakeAt(this.dueAtMs);
    this.dueAtMs = Number.POSITIVE_INFINITY;
    this.tick();
  }

  /** Nothing more is due (the room is going away); an alarm that still rings finds nothing to do. */
  stop(): void {
    this.dueAtMs = Number.POSITIVE_INFINITY;
  }

  /** Due by `atMs`: an earlier due time stands. */
  private dueBy(atMs: number): void {
    if (atMs >= this.dueAtMs) return;
    this.dueAtMs = atMs;
    this.host.wakeAt(atMs);
  }

  private tick(): void {
    const { listing } = this;
    const { roomId } = this.host;
    if (!listing || roomId === null) return;
    const now = this.host.now();
    const report = this.reportOf(roomId, listing, this.host.summary());
    if (report && (!sameReport(report, this.lastReport) || now - this.lastPostMs >= this.options.heartbeatMs)) {
      this.host.post(report);
      this.posts++;
      this.lastReport = report;
      this.lastPostMs = now;
    }
    // Never sooner than an interval from now: a room with nothing to say (no puzzle in memory) asks again later, not at once.
    if (this.host.alive()) this.dueBy(Math.max(this.lastPostMs + this.options.heartbeatMs, now + this.options.reportIntervalMs));
  }

  /** Null while the room holds no puzzle (unloaded or unreadable): nothing true to say, so nothing is said. */
  private reportOf(roomId: string, listing: Listing, summary: RoomSummary): DirectoryReport | null {
    if (!summary.created) return null;
    return {
      room: roomId,
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
