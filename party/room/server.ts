/**
 * The stateful room on PartyKit: one long-lived room object per puzzle. This file
 * only adapts PartyKit (sockets, storage, timers, HTTP) to RoomCore, and the
 * room to the process it shares with others: its quotas (address-quota.ts) and
 * its share of the loaded-pieces budget (loaded-rooms.ts).
 */
import type * as Party from "partykit/server";
import * as v from "valibot";
import { RoomCore, SessionAttachmentSchema } from "./room-core.ts";
import { CLIENT_ADDRESS_HEADER, SocketParty, refuseRoomId } from "../common/socket-party.ts";
import { readHibernate, readMaxPlayers, readMaxWatchers } from "../common/settings.ts";
import { readChatLimits, readQuotas, readStillHoldMaxMs, type Quotas } from "../common/limits.ts";
import { addressQuotas } from "../common/address-quota.ts";
import { expirePicture, handleImageRequest, type ImageHost } from "./image-store.ts";
import { KEEP_PICTURE_PATH, PICTURE_PATH } from "../common/picture-paths.ts";
import { loadedPiecesTotal, makeRoomFor, registerLoaded, unregisterLoaded, type LoadedRoom } from "./loaded-rooms.ts";
import { LOG_PATH, handleLogRequest } from "./log-endpoint.ts";
import { reportFailure } from "../common/frame-dispatch.ts";
import type { ErrorBody, WireRoomState } from "../../shared/http.ts";
import { DirectoryReporter } from "./directory-reporter.ts";
import { directoryReporterFor } from "./directory-post.ts";

export default class StatefulRoom extends SocketParty implements Party.Server, LoadedRoom {
  /**
   * Hibernation (issue 11): the runtime may drop this object from memory while
   * its sockets stay open, and build it again for the next event: the
   * constructor, onStart (the puzzle from storage, the sockets from their
   * attachments), then the event. PartyKit reads this from the instance (a
   * static `options` is ignored). On unless HIBERNATE says "false"
   * (settings.ts); docs/architecture.md says what was run.
   */
  readonly options: { hibernate: boolean };

  protected readonly core: RoomCore;
  private readonly directory: DirectoryReporter;
  private readonly quotas: Quotas;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  /** The storage alarm this object armed and has not seen fire yet (unknown after a wake: null). */
  private alarmAtMs: number | null = null;
  private unloadTimer: ReturnType<typeof setTimeout> | null = null;
  /** Sockets between the runtime's connect and the guard's open (a reload may be under way). */
  private arriving = 0;
  private idleSince: number | null = null;

  constructor(readonly room: Party.Room) {
    super(room.env);
    this.options = { hibernate: readHibernate(room.env) };
    this.quotas = readQuotas(room.env);
    this.core = new RoomCore(
      {
        storage: room.storage,
        now: () => Date.now(),
        randomId: () => crypto.randomUUID(),
        requestFlush: (delayMs) => {
          if (this.flushTimer !== null) clearTimeout(this.flushTimer);
          this.flushTimer = null;
          const flush = () => {
            this.flushTimer = null;
            this.core.flush();
            this.directory.changed();
          };
          // Due now: in this event, after the frame that asked (a timer would be an event of its own).
          if (delayMs <= 0) queueMicrotask(flush);
          else this.flushTimer = setTimeout(flush, delayMs);
        },
        admitPuzzle: (pieces, address) => this.admitPuzzle(pieces, address),
        attach: (socketId, attachment) => void this.rawOf(socketId)?.setState(attachment),
        wait: (delayMs) => new Promise((resolve) => setTimeout(resolve, delayMs)),
        puzzleCreated: (hello) => this.directory.created(hello),
      },
      { mode: "stateful", maxPlayers: readMaxPlayers(room.env), maxWatchers: readMaxWatchers(room.env), stillHoldMaxMs: readStillHoldMaxMs(room.env), chat: readChatLimits(room.env) },
    );
    this.directory = directoryReporterFor(room, () => this.core.summary(), () => this.openSockets > 0, (atMs) => this.wakeAt(atMs));
  }

  /** A room id that is not one never gets a room object. */
  static onBeforeConnect(request: Party.Request, lobby: Party.Lobby): Party.Request | Response {
    return refuseRoomId(lobby) ?? request;
  }

  /** The same for HTTP; and "a room was made with this picture" is for the hubs alone (party to party). */
  static onBeforeRequest(request: Party.Request, lobby: Party.Lobby): Party.Request | Response {
    const refused = refuseRoomId(lobby);
    if (refused) return refused;
    if (new URL(request.url).pathname.endsWith(KEEP_PICTURE_PATH)) return Response.json({ error: "only the server's own parties may keep a picture" } satisfies ErrorBody, { status: 403 });
    return request;
  }

  /** A start, or a wake from hibernation: the puzzle from storage, and the sockets the runtime kept from their attachments. */
  async onStart(): Promise<void> {
    await this.core.load();
    if (this.core.loadedPieces > 0) registerLoaded(this);
    this.adoptSockets(this.room.getConnections(), (socket, connection) => {
      const attachment = v.safeParse(SessionAttachmentSchema, connection.state);
      return attachment.success && this.core.restore(socket.id, attachment.output);
    });
    // After the sockets: a listed room woken with sockets open goes on reporting.
    await this.directory.load();
  }

  /** An unloaded room rebuilds from storage before its first socket is let in (PartyKit waits for this before the upgrade). */
  override async onConnect(connection: Party.Connection, ctx: Party.ConnectionContext): Promise<void> {
    this.arriving++;
    try {
      await this.reload();
    } finally {
      this.arriving--;
    }
    this.idleSince = null;
    if (this.unloadTimer !== null) clearTimeout(this.unloadTimer);
    this.unloadTimer = null;
    super.onConnect(connection, ctx);
  }

  /**
   * GET: a JSON summary; GET ?state=1 adds the full snapshot (tests, load scripts),
   * ?limits=1 what the limits did (socket-guard.ts counters).
   * GET/POST .../image: the room's uploaded puzzle picture (image-store.ts).
   * GET .../log?from=<index>: a page of the action log (log-endpoint.ts).
   * A room whose storage cannot be read answers 500 with why.
   */
  async onRequest(request: Party.Request): Promise<Response> {
    await this.reload();
    if (new URL(request.url).pathname.endsWith(PICTURE_PATH) || new URL(request.url).pathname.endsWith(KEEP_PICTURE_PATH)) return handleImageRequest(request as unknown as Request, this.imageHost());
    if (request.method !== "GET") return Response.json({ error: "only GET is supported here" } satisfies ErrorBody, { status: 405 });
    const unreadable = this.core.unreadable;
    if (unreadable !== null) return Response.json({ error: `this room's storage cannot be read: ${unreadable}` } satisfies ErrorBody, { status: 500, headers: CORS });
    if (new URL(request.url).pathname.endsWith(LOG_PATH)) return handleLogRequest(new URL(request.url), this.core);
    const params = new URL(request.url).searchParams;
    const summary = params.get("limits") === "1" ? { ...this.core.summary(), guard: this.guardCounters, loadedPieces: loadedPiecesTotal() } : this.core.summary();
    const body = params.get("state") === "1" ? ({ ...summary, snapshot: this.core.wireSnapshot() } satisfies WireRoomState) : summary;
    return Response.json(body, { headers: CORS });
  }

  /**
   * The one storage alarm, for the earliest of three kinds of deadline: an
   * uploaded picture's (expirePicture arms it again while the picture waits),
   * the guard's (hello deadlines, heartbeat: SocketParty) and the directory
   * report's (its rate limit and heartbeat: directory-reporter.ts). All run on
   * every alarm; each re-arms for its own next deadline. An alarm, unlike a
   * timer, wakes a hibernating room and lets it sleep in between. (PartyKit
   * forbids `room.id` and `room.context.parties` here: the reporter read both
   * when the object was built, directory-post.ts.)
   */
  async onAlarm(): Promise<void> {
    this.alarmAtMs = null;
    await this.reload();
    await expirePicture(this.imageHost());
    this.runDeadlines();
    this.directory.wake();
  }

  /**
   * Arms the alarm for `atMs` unless one armed for no later has not rung yet:
   * it will (an overdue alarm rings at once), and every deadline re-arms when it
   * does. (Not compared with the clock: an alarm armed for now, or overdue after
   * an await, has not rung until onAlarm says so; taken for rung, it was pushed
   * back by the next, later deadline, as a woken room's "ping at once" was by
   * its directory report.)
   */
  protected override wakeAt(atMs: number): void {
    if (this.alarmAtMs !== null && this.alarmAtMs <= atMs) return;
    this.alarmAtMs = atMs;
    this.room.storage.setAlarm(atMs).catch((error: unknown) => {
      if (this.alarmAtMs === atMs) this.alarmAtMs = null;
      reportFailure("arming the room's alarm", error);
    });
  }

  // ---- LoadedRoom: this room's share of the process's budget ----

  get loadedPieces(): number {
    return this.core.loadedPieces;
  }

  get idleSinceMs(): number | null {
    return this.arriving > 0 ? null : this.idleSince;
  }

  unload(): number {
    if (this.arriving > 0 || this.openSockets > 0) return 0;
    return this.core.unload();
  }

  protected override onIdle(): void {
    this.idleSince = Date.now();
    if (this.unloadTimer !== null) clearTimeout(this.unloadTimer);
    this.unloadTimer = setTimeout(() => {
      this.unloadTimer = null;
      if (this.unload() > 0) unregisterLoaded(this);
    }, this.quotas.roomIdleUnloadMs);
  }

  private async reload(): Promise<void> {
    if (!this.core.unloaded) return;
    await this.core.ensureLoaded();
    const pieces = this.core.loadedPieces;
    // A room that exists always comes back; the budget makes way for it if it can.
    if (pieces > 0) {
      makeRoomFor(pieces, this.quotas.loadedPiecesBudget, this);
      registerLoaded(this);
    }
  }

  /** Before a hello creates the puzzle: the creator's quota, then room in the process's budget. */
  private admitPuzzle(pieces: number, address: string | undefined): string | null {
    const quotas = addressQuotas(this.quotas.roomsPerAddressPerMin, this.quotas.uploadsPerAddressPerMin);
    if (!quotas.rooms.admit(address, `main/${this.room.id}`, Date.now())) return `you have created ${this.quotas.roomsPerAddressPerMin} rooms in the last minute; wait a little before creating another`;
    if (!makeRoomFor(pieces, this.quotas.loadedPiecesBudget, this)) return "the server is holding as many puzzles as it can right now; try again in a few minutes, or join an existing room";
    registerLoaded(this);
    return null;
  }

  private imageHost(): ImageHost {
    const quotas = addressQuotas(this.quotas.roomsPerAddressPerMin, this.quotas.uploadsPerAddressPerMin);
    return {
      storage: this.room.storage,
      now: () => Date.now(),
      roomCreated: () => this.core.summary().created,
      admitUpload: (request) =>
        quotas.uploads.admit(request.headers.get(CLIENT_ADDRESS_HEADER) ?? undefined, this.room.id, Date.now()) ? null : `you have uploaded ${this.quotas.uploadsPerAddressPerMin} pictures in the last minute; wait a little before uploading another`,
      wakeAt: (atMs) => this.wakeAt(atMs),
      unclaimedTtlMs: this.quotas.unclaimedPictureTtlMs,
    };
  }
}

const CORS = { "access-control-allow-origin": "*" };
