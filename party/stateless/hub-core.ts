/**
 * The WebSocket hub of the stateless backends, free of any transport (the same
 * three-member socket interface as RoomCore). It speaks the room's protocol but
 * holds no puzzle: it keeps sockets and player identities, hands every action to
 * a stateless function, and pushes whatever the function returns: the ack or
 * reject to the sender and the changed pieces and holds to everyone, at once and
 * in the order results come back, like a push service behind API Gateway.
 */
import { CLOSE_REFUSED, PROTOCOL_VERSION, type ActionMessage, type BatchEvent, type ErrorCode, type Hello, type Player } from "../../shared/protocol.ts";
import { batchFrame, json, rejectEvent } from "../../shared/frames.ts";
import { PlayerRoster, type Connecting, type Joined, type Joining, type RosterPlayer } from "../common/player-roster.ts";
import { dispatchFrame, reportFailure, type FrameHandlers } from "../common/frame-dispatch.ts";
import { sendError, sendMessage, type RoomSocket } from "../common/socket.ts";
import { CURSOR_INTERVAL_MS } from "../common/settings.ts";
import { UPLOADED_PICTURE_PREFIX } from "../common/picture-paths.ts";
import { ChatRelay, type Speaker } from "../common/chat-relay.ts";
import { WATCHER_COLOR } from "../../shared/chat.ts";
import { DEFAULT_CHAT_LIMITS, type ChatLimits } from "../common/limits.ts";
import type { PuzzleSpec } from "../../shared/puzzle-spec.ts";
import { decodeDocument, snapshotOf, type PuzzleDocument } from "./document.ts";
import type { FunctionCounters, Invocation, InvocationOutcome, InvocationResult, StatelessMode } from "./invocation.ts";

export interface HubHost {
  /** Calls a stateless function (some instance of the pool) and waits for its answer. */
  invoke(invocation: Invocation): Promise<InvocationResult>;
  now(): number;
  randomId(): string;
  /** Calls `flushCursors()` after `delayMs`. */
  requestCursorFlush(delayMs: number): void;
  /**
   * Asked before a hello that may create the puzzle is loaded: null to go
   * ahead, or the sentence saying why not (the creator's quota). Without it,
   * every hello goes ahead.
   */
  admitCreation?(address: string | undefined): string | null;
  /** A hello that created (or joined) the puzzle with an uploaded picture: the picture's room keeps it. */
  keepPicture?(): Promise<void>;
}

export interface HubOptions {
  mode: StatelessMode;
  maxPlayers: number;
  /** The store document this room's functions read and write. */
  documentId: string;
  /** What one player may say and mark (default DEFAULT_CHAT_LIMITS). */
  chat?: ChatLimits;
}


/** A hello with a password: the hubs keep no private rooms (no host, no stored password to check it against). */
const NO_PRIVATE_ROOMS = "the stateless modes have no private rooms: open the link without a password";
/** A hello with `listed: true`: only a stateful room reports itself to the public lobby. */
const NEVER_LISTED = "only stateful rooms can be listed in the public rooms: a stateless room is never listed";

export class HubCore {
  private readonly roster: PlayerRoster<Joined, Joining>;
  private readonly frameHandlers: FrameHandlers<Joined>;
  /** Pieces placed per player, as the latest function results reported. */
  private readonly placed = new Map<string, number>();
  private readonly cursors = new Map<string, [number, number]>();
  private cursorFlushPending = false;
  /** The latest document version a function reported, for frames that carry none of their own. */
  private version = 0;
  /** Chat and marks are relayed, as a push service would (nothing kept: a joiner hears no history). */
  private readonly chat: ChatRelay;
  private chatLines = 0;
  /** The table of the puzzle last loaded, which marks must fall on. */
  private spec: PuzzleSpec | null = null;
  actionsApplied = 0;
  actionsRejected = 0;
  readonly counters: FunctionCounters = { invocations: 0, coldStarts: 0, retries: 0, conflicts: 0, exhausted: 0, failures: 0, storeBytesRead: 0, storeBytesWritten: 0 };

  constructor(
    private readonly host: HubHost,
    readonly options: HubOptions,
  ) {
    this.roster = new PlayerRoster(options.maxPlayers, () => host.randomId());
    this.chat = new ChatRelay(options.chat ?? DEFAULT_CHAT_LIMITS);
    this.frameHandlers = {
      // Both are async: the dispatcher catches whatever they reject with.
      hello: (connecting, hello) => this.join(connecting, hello),
      act: (acting, action) => this.act(acting, action),
      cursor: ({ playerId }, x, y) => {
        this.cursors.set(playerId, [x, y]);
        this.scheduleCursorFlush();
      },
      chat: (session, chat) => {
        const said = this.chat.say(this.speakerOf(session), chat.text, this.chatLines, this.host.now());
        if (!said.ok) return this.reply(session, said.refusal);
        this.chatLines++;
        this.broadcast([{ type: "chat", line: said.event }]);
      },
      mark: (session, mark) => {
        const marked = this.chat.mark(this.speakerOf(session), mark, this.spec, this.host.now());
        if (!marked.ok) return this.reply(session, marked.refusal);
        this.broadcast([marked.event]);
      },
      now: () => this.host.now(),
    };
  }

  connect(socket: RoomSocket): void {
    this.roster.add(socket);
  }

  disconnect(socketId: string): void {
    const playerId = this.roster.remove(socketId);
    if (!playerId) return;
    this.cursors.delete(playerId);
    this.broadcast([{ type: "player-left", playerId }]);
    this.invoke({ kind: "release", playerId })
      .then((outcome) => {
        if (outcome?.kind === "applied") this.push(null, outcome, null);
      })
      .catch((error: unknown) => reportFailure(`the release of ${playerId}'s holds in ${this.options.documentId}`, error));
  }

  receive(socketId: string, frame: string | ArrayBuffer | ArrayBufferView): void {
    const session = this.roster.sessions.get(socketId);
    if (!session) return;
    dispatchFrame(session, frame, this.frameHandlers);
  }

  hasJoined(socketId: string): boolean {
    return this.roster.hasJoined(socketId);
  }

  /** An action the boundary dropped for its socket's rate limit: rejected, as the room rejects it. */
  refuseAction(socketId: string, seq: number): void {
    const session = this.roster.joinedOrRefused(socketId);
    if (session) session.socket.send(batchFrame(this.version, [rejectEvent(seq, "rate-limited")]));
  }

  flushCursors(): void {
    this.cursorFlushPending = false;
    if (this.cursors.size === 0) return;
    const cursors = [...this.cursors].map(([id, [x, y]]) => [id, x, y] as [string, number, number]);
    this.cursors.clear();
    this.broadcast([{ type: "cursors", cursors }]);
  }

  /** Players as a snapshot lists them. */
  publicPlayers(): Player[] {
    return [...this.roster.players.values()].map((player) => this.publicPlayer(player));
  }

  connectedCount(): number {
    return this.roster.connectedPlayers;
  }

  private async join(session: Connecting, hello: Hello): Promise<void> {
    const admission = this.roster.admit(session, hello);
    // The hubs offer no watching (their roster has no watcher places): a watching hello was refused.
    if (admission?.role !== "player") return;
    // Refused before the quota and the store are asked: a refused hello changes nothing.
    if (hello.password !== undefined) return refuse(session.socket, "no-password", NO_PRIVATE_ROOMS);
    if (hello.listed === true) return refuse(session.socket, "listing-off", NEVER_LISTED);
    const refusal = hello.create ? (this.host.admitCreation?.(session.socket.address) ?? null) : null;
    if (refusal !== null) return refuse(session.socket, "over-quota", refusal);

    const joining = this.roster.replace<Joining>({ state: "joining", socket: session.socket });
    let loaded: PuzzleDocument | string;
    try {
      loaded = await this.load(hello.create);
    } finally {
      // However loading ended, the socket (if still here) is no longer joining: it may retry.
      if (this.roster.isCurrent(joining)) this.roster.replace(session);
    }
    if (!this.roster.isCurrent(session)) return;
    if (typeof loaded === "string") return sendError(session.socket, "no-puzzle", loaded);
    this.version = Math.max(this.version, loaded.state.version);
    this.spec = loaded.state.spec;
    for (const [playerId, count] of loaded.state.placedBy) this.placed.set(playerId, count);
    if (hello.create?.imageId === loaded.state.spec.imageId && loaded.state.spec.imageId.startsWith(UPLOADED_PICTURE_PREFIX)) {
      this.host.keepPicture?.().catch((error: unknown) => reportFailure(`keeping the picture of ${this.options.documentId}`, error));
    }

    const { player } = this.roster.bind(session, hello.name, admission.resumed, ({ id }) => ({ state: "joined", socket: session.socket, playerId: id }));
    this.broadcast([{ type: "player-joined", player: this.publicPlayer(player) }], session.socket);
    sendMessage(session.socket, {
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      mode: this.options.mode,
      playerId: player.id,
      token: player.token,
      snapshot: snapshotOf(loaded, this.publicPlayers(), this.host.now()),
    });
  }

  /** The room's puzzle for a hello, or why there is none; throws on an answer no load can give. */
  private async load(create: Hello["create"]): Promise<PuzzleDocument | string> {
    const outcome = await this.invoke({ kind: "load", create });
    if (!outcome) return "the puzzle store could not be reached; try again";
    switch (outcome.kind) {
      case "missing":
        return "this room has no puzzle yet: send create options with hello";
      case "loaded":
        return decodeDocument(outcome.document);
      case "applied":
      case "rejected":
      case "unchanged":
        throw new Error(`a load answered ${outcome.kind}`);
      default: {
        const unreachable: never = outcome;
        return unreachable;
      }
    }
  }

  private async act(session: Joined, message: ActionMessage): Promise<void> {
    const { playerId } = session;
    const outcome = await this.invoke({ kind: "act", playerId, action: message });
    // A failed invocation gets no answer, as a crashed function gives none; the counters show it.
    if (!outcome) return;
    switch (outcome.kind) {
      case "applied":
        this.actionsApplied++;
        return this.push(session, outcome, { type: "ack", seq: message.seq, version: outcome.version });
      case "rejected":
        this.actionsRejected++;
        if (outcome.reason === "conflict") this.counters.exhausted++;
        return this.reply(session, { type: "reject", seq: message.seq, reason: outcome.reason });
      case "missing":
        return sendError(session.socket, "no-puzzle", "the store has no puzzle for this room");
      case "loaded":
      case "unchanged":
        throw new Error(`an action answered ${outcome.kind}`);
      default: {
        const unreachable: never = outcome;
        return unreachable;
      }
    }
  }

  /** Runs one invocation and books its cost; undefined when it failed. */
  private async invoke(operation: Invocation["operation"]): Promise<InvocationOutcome | undefined> {
    this.counters.invocations++;
    try {
      const { outcome, metrics } = await this.host.invoke({ mode: this.options.mode, documentId: this.options.documentId, operation });
      if (metrics.coldStart) this.counters.coldStarts++;
      this.counters.retries += Math.max(0, metrics.attempts - 1);
      this.counters.conflicts += metrics.conflicts;
      this.counters.storeBytesRead += metrics.storeBytesRead;
      this.counters.storeBytesWritten += metrics.storeBytesWritten;
      return outcome;
    } catch (error) {
      this.counters.failures++;
      reportFailure(`the stateless function's ${operation.kind} for ${this.options.documentId}`, error);
      return undefined;
    }
  }

  /** Sends an applied result: `own` to the sender with the changes, the changes to everyone else. */
  private push(sender: Joined | null, outcome: InvocationOutcome & { kind: "applied" }, own: BatchEvent | null): void {
    this.version = outcome.version;
    const shared: BatchEvent[] = [];
    if (outcome.pieces.length > 0) shared.push({ type: "pieces", pieces: outcome.pieces });
    if (outcome.holds.length > 0) shared.push({ type: "holds", holds: outcome.holds });
    if (outcome.placed !== null && sender) {
      this.placed.set(sender.playerId, outcome.placed);
      shared.push({ type: "placed", playerId: sender.playerId, placed: outcome.placed });
    }
    if (outcome.completedAtMs !== null) shared.push({ type: "complete", completedAtMs: outcome.completedAtMs });
    if (shared.length > 0) this.broadcast(shared, sender?.socket ?? null);
    if (sender && own && this.roster.isCurrent(sender)) sendBatch(sender.socket, outcome.version, [own, ...shared]);
  }

  private reply(session: Joined, event: BatchEvent): void {
    if (this.roster.isCurrent(session)) sendBatch(session.socket, this.version, [event]);
  }

  /** To every joined socket but `except`. */
  private broadcast(events: BatchEvent[], except: RoomSocket | null = null): void {
    const frame = batchFrame(this.version, events.map((event) => json(event)));
    for (const session of this.roster.sessions.values()) if (session.state === "joined" && session.socket !== except) session.socket.send(frame);
  }

  private scheduleCursorFlush(): void {
    if (this.cursorFlushPending) return;
    this.cursorFlushPending = true;
    this.host.requestCursorFlush(CURSOR_INTERVAL_MS);
  }

  /** The hubs know players only (they offer no watching). */
  private speakerOf(session: Joined): Speaker {
    const player = this.roster.players.get(session.playerId);
    return { from: session.playerId, name: player?.name ?? "", color: player?.color ?? WATCHER_COLOR, watcher: false };
  }

  private publicPlayer(player: RosterPlayer): Player {
    return { id: player.id, name: player.name, color: player.color, connected: this.roster.connectionOf(player.id) !== undefined, placed: this.placed.get(player.id) ?? 0 };
  }
}

/** A hello that cannot be served as it is: retrying it unchanged cannot help. */
function refuse(socket: RoomSocket, code: ErrorCode, reason: string): void {
  sendError(socket, code, reason);
  socket.close(CLOSE_REFUSED, reason);
}

function sendBatch(socket: RoomSocket, version: number, events: BatchEvent[]): void {
  socket.send(batchFrame(version, events.map((event) => json(event))));
}
