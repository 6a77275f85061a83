/**
 * The public lobby's directory, free of any transport: the listed rooms, each
 * as its room last reported it, kept until it goes quiet. Reports come only
 * from rooms (party/directory/server.ts refuses them from outside); this core
 * still reads each one as untrusted: size, JSON, schema (shared/directory.ts),
 * and a cap on the rooms it holds. A refusal changes nothing.
 *
 * Quiet rooms expire on read, and the storage alarm deletes them from storage
 * at the earliest expiry: no timer keeps the directory awake, and an alarm is
 * set only while it holds a room.
 */
import * as v from "valibot";
import { DirectoryEntrySchema, DirectoryReportSchema, MAX_DIRECTORY_REPORT_BYTES, type DirectoryAccepted, type DirectoryEntry, type DirectoryListing } from "../../shared/directory.ts";
import type { ErrorBody } from "../../shared/http.ts";

const ENTRY_PREFIX = "room:";
const utf8 = new TextEncoder();

/** What the directory keeps its rooms in (Durable Object storage, or a map in tests). */
export interface DirectoryStorage {
  list<T = unknown>(options: { prefix: string }): Promise<Map<string, T>>;
  put(entries: Record<string, unknown>): Promise<void>;
  delete(keys: string[]): Promise<number>;
}

export interface DirectoryHost {
  storage: DirectoryStorage;
  now(): number;
  /** Asks for `expire()` at `atMs` (the storage alarm). */
  wakeAt(atMs: number): void;
}

export interface DirectoryOptions {
  ttlMs: number;
  maxRooms: number;
}

/** An answer for the transport to send: a status and its JSON body. */
export type DirectoryAnswer = { status: 200; body: DirectoryAccepted } | { status: 400 | 413 | 503; body: ErrorBody };

export class DirectoryCore {
  private readonly entries = new Map<string, DirectoryEntry>();
  /** When the alarm asked for rings (null: none asked for). */
  private alarmAtMs: number | null = null;

  constructor(
    private readonly host: DirectoryHost,
    private readonly options: DirectoryOptions,
  ) {}

  /** Reads what storage keeps (after a restart); a stored entry this version cannot read is dropped, not served. */
  async load(): Promise<void> {
    const stored = await this.host.storage.list<unknown>({ prefix: ENTRY_PREFIX });
    const unreadable: string[] = [];
    for (const [key, value] of stored) {
      const entry = v.safeParse(DirectoryEntrySchema, value);
      if (entry.success) this.entries.set(entry.output.room, entry.output);
      else unreadable.push(key);
    }
    if (unreadable.length > 0) await this.host.storage.delete(unreadable);
    await this.expire();
  }

  /** A room's report, as the body it posted. */
  report(body: string): DirectoryAnswer {
    const bytes = utf8.encode(body).byteLength;
    if (bytes > MAX_DIRECTORY_REPORT_BYTES) return refuse(413, `a report of ${bytes} bytes exceeds ${MAX_DIRECTORY_REPORT_BYTES}: it is not a room's`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      return refuse(400, "a report must be JSON");
    }
    const result = v.safeParse(DirectoryReportSchema, parsed);
    if (!result.success) {
      const issue = result.issues[0];
      const path = issue?.path?.map((item) => String(item.key)).join(".");
      return refuse(400, `not a room's report: ${path ? `${path}: ` : ""}${issue?.message ?? "unexpected body"}`);
    }
    const report = result.output;
    if (report.placed > report.pieces) return refuse(400, `not a room's report: ${report.placed} pieces placed of ${report.pieces}`);
    const now = this.host.now();
    if (!this.entries.has(report.room)) {
      this.dropExpired(now);
      if (this.entries.size >= this.options.maxRooms) return refuse(503, `the directory lists ${this.entries.size} rooms, as many as it may; ${report.room} is listed when one goes quiet`);
    }
    const entry: DirectoryEntry = { ...report, updatedAtMs: now };
    this.entries.set(report.room, entry);
    this.host.storage.put({ [ENTRY_PREFIX + report.room]: entry }).catch((error: unknown) => console.error(`the directory could not store ${report.room}: ${String(error)}`));
    this.wakeFor(now + this.options.ttlMs);
    return { status: 200, body: { room: report.room, listed: true } };
  }

  /** The rooms listed now: those with news within the TTL, busiest first (players, then watchers, then freshest). */
  listing(): DirectoryListing {
    this.dropExpired(this.host.now());
    const rooms = [...this.entries.values()].sort((a, b) => b.players - a.players || b.watchers - a.watchers || b.updatedAtMs - a.updatedAtMs || (a.room < b.room ? -1 : 1));
    return { rooms, ttlMs: this.options.ttlMs };
  }

  /** The alarm: quiet rooms leave storage too, and the alarm is set again only if a room is left. */
  async expire(): Promise<void> {
    this.alarmAtMs = null;
    this.dropExpired(this.host.now());
    let earliest = Number.POSITIVE_INFINITY;
    for (const entry of this.entries.values()) earliest = Math.min(earliest, entry.updatedAtMs + this.options.ttlMs);
    if (earliest !== Number.POSITIVE_INFINITY) this.wakeFor(earliest);
  }

  /** How many rooms it holds, expired or not (tests). */
  get size(): number {
    return this.entries.size;
  }

  private dropExpired(now: number): void {
    const gone: string[] = [];
    for (const [room, entry] of this.entries) {
      if (now - entry.updatedAtMs < this.options.ttlMs) continue;
      this.entries.delete(room);
      gone.push(ENTRY_PREFIX + room);
    }
    // Up to 128 keys per delete, as Durable Object storage allows.
    for (let start = 0; start < gone.length; start += 128) this.host.storage.delete(gone.slice(start, start + 128)).catch((error: unknown) => console.error(`the directory could not delete quiet rooms: ${String(error)}`));
  }

  /** One alarm at a time: a later expiry waits for the alarm already set, which sets the next one. */
  private wakeFor(atMs: number): void {
    if (this.alarmAtMs !== null && this.alarmAtMs <= atMs) return;
    this.alarmAtMs = atMs;
    this.host.wakeAt(atMs);
  }
}

function refuse(status: 400 | 413 | 503, error: string): DirectoryAnswer {
  return { status, body: { error } };
}
