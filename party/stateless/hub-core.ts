/**
 * The WebSocket hub of the stateless backends, free of any transport (the same
 * three-member socket interface as RoomCore). It speaks the room's protocol but
 * holds no puzzle: it keeps sockets and player identities, hands every action to
 * a stateless function, and pushes whatever the function returns: the ack or
 * reject to the sender and the changed pieces and holds to everyone, at once and
 * in the order results come back, like a push service behind API Gateway.
 */
import { PROTOCOL_VERSION, type ActionMessage, type BatchEvent, type Hello, type Player } from "../../shared/protocol.ts";
import { batchFrame, json } from "../../shared/frames.ts";
import { PlayerRoster, type RosterPlayer } from "../common/player-roster.ts";
import { dispatchFrame, type FrameHandlers } from "../common/frame-dispatch.ts";
import { sendError, sendMessage, type RoomSocket } from "../common/socket.ts";
import { CURSOR_INTERVAL_MS } from "../common/settings.ts";
import { decodeDocument, snapshotOf } from "./document.ts";
import type { FunctionCounters, Invocation, InvocationOutcome, InvocationResult, StatelessMode } from "./invocation.ts";

export interface HubHost {
  /** Calls a stateless function (some instance of the pool) and waits for its answer. */
  invoke(invocation: Invocation): Promise<InvocationResult>;
  now(): number;
  randomId(): string;
  /** Calls `flushCursors()` after `delayMs`. */
  requestCursorFlush(delayMs: number): void;
}

export interface HubOptions {
  mode: StatelessMode;
  maxPlayers: number;
  /** The store document this room's functions read and write. */
  documentId: string;
}

interface HubSession {
  socket: RoomSocket;
  playerId: string | null;
  /** A hello is being served (the function is reading the store). */
  joining: boolean;
}

export class HubCore {
  private readonly roster: PlayerRoster<HubSession>;
  private readonly frameHandlers: FrameHandlers<HubSession>;
  /** Pieces placed per player, as the latest function results reported. */
  private readonly placed = new Map<string, number>();
  private readonly cursors = new Map<string, [number, number]>();
  private cursorFlushPending = false;
  /** The latest document version a function reported, for frames that carry none of their own. */
  private version = 0;
  actionsApplied = 0;
  actionsRejected = 0;
  readonly counters: FunctionCounters = { invocations: 0, coldStarts: 0, retries: 0, conflicts: 0, exhausted: 0, failures: 0, storeBytesRead: 0, storeBytesWritten: 0 };

  constructor(
    private readonly host: HubHost,
    readonly options: HubOptions,
  ) {
    this.roster = new PlayerRoster(options.maxPlayers, () => host.randomId());
    this.frameHandlers = {
      hello: (joining, hello) => void this.join(joining, hello),
      act: (acting, action) => void this.act(acting, action),
      cursor: (playerId, x, y) => {
        this.cursors.set(playerId, [x, y]);
        this.scheduleCursorFlush();
      },
      now: () => this.host.now(),
    };
  }

  connect(socket: RoomSocket): void {
    this.roster.add({ socket, playerId: null, joining: false });
  }

  disconnect(socketId: string): void {
    const playerId = this.roster.remove(socketId);
    if (!playerId) return;
    this.cursors.delete(playerId);
    this.broadcast([{ type: "player-left", playerId }]);
    void this.invoke({ kind: "release", playerId }).then((outcome) => {
      if (outcome?.kind === "applied") this.push(null, outcome, null);
    });
  }

  receive(socketId: string, frame: string | ArrayBuffer | ArrayBufferView): void {
    const session = this.roster.sessions.get(socketId);
    if (!session) return;
    dispatchFrame(session, frame, this.frameHandlers);
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
    return this.roster.connectedPlayerIds().size;
  }

  private async join(session: HubSession, hello: Hello): Promise<void> {
    if (session.playerId || session.joining) return sendError(session.socket, "already-joined", "this connection has already joined");
    let joining = 0;
    for (const other of this.roster.sessions.values()) if (other.joining) joining++;
    const admission = this.roster.admit(session, hello, joining);
    if (!admission) return;

    session.joining = true;
    const outcome = await this.invoke({ kind: "load", create: hello.create });
    session.joining = false;
    if (this.roster.sessions.get(session.socket.id) !== session) return;
    if (!outcome) return sendError(session.socket, "no-puzzle", "the puzzle store could not be reached; try again");
    if (outcome.kind === "missing") return sendError(session.socket, "no-puzzle", "this room has no puzzle yet: send create options with hello");
    if (outcome.kind !== "loaded") throw new Error(`load answered ${outcome.kind}`);
    const document = decodeDocument(outcome.document);
    this.version = Math.max(this.version, document.state.version);
    for (const [playerId, count] of document.state.placedBy) this.placed.set(playerId, count);

    const player = this.roster.bind(session, hello.name, admission.resumed);
    this.broadcast([{ type: "player-joined", player: this.publicPlayer(player) }], session);
    sendMessage(session.socket, {
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      mode: this.options.mode,
      playerId: player.id,
      token: player.token,
      snapshot: snapshotOf(document, this.publicPlayers(), this.host.now()),
    });
  }

  private async act(session: HubSession, message: ActionMessage): Promise<void> {
    const playerId = session.playerId;
    if (!playerId) return sendError(session.socket, "not-joined", "send hello first");
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
      console.error(`stateless function failed for ${operation.kind}:`, error);
      return undefined;
    }
  }

  /** Sends an applied result: `own` to the sender with the changes, the changes to everyone else. */
  private push(sender: HubSession | null, outcome: InvocationOutcome & { kind: "applied" }, own: BatchEvent | null): void {
    this.version = outcome.version;
    const shared: BatchEvent[] = [];
    if (outcome.pieces.length > 0) shared.push({ type: "pieces", pieces: outcome.pieces });
    if (outcome.holds.length > 0) shared.push({ type: "holds", holds: outcome.holds });
    if (outcome.placed !== null && sender?.playerId) {
      this.placed.set(sender.playerId, outcome.placed);
      shared.push({ type: "placed", playerId: sender.playerId, placed: outcome.placed });
    }
    if (outcome.completedAtMs !== null) shared.push({ type: "complete", completedAtMs: outcome.completedAtMs });
    if (shared.length > 0) this.broadcast(shared, sender);
    if (sender && own && this.roster.sessions.get(sender.socket.id) === sender) sendBatch(sender.socket, outcome.version, [own, ...shared]);
  }

  private reply(session: HubSession, event: BatchEvent): void {
    if (this.roster.sessions.get(session.socket.id) === session) sendBatch(session.socket, this.version, [event]);
  }

  private broadcast(events: BatchEvent[], except: HubSession | null = null): void {
    const frame = batchFrame(this.version, events.map((event) => json(event)));
    for (const session of this.roster.sessions.values()) if (session.playerId && session !== except) session.socket.send(frame);
  }

  private scheduleCursorFlush(): void {
    if (this.cursorFlushPending) return;
    this.cursorFlushPending = true;
    this.host.requestCursorFlush(CURSOR_INTERVAL_MS);
  }

  private publicPlayer(player: RosterPlayer): Player {
    return { id: player.id, name: player.name, color: player.color, connected: this.roster.connectionOf(player.id) !== undefined, placed: this.placed.get(player.id) ?? 0 };
  }
}

function sendBatch(socket: RoomSocket, version: number, events: BatchEvent[]): void {
  socket.send(batchFrame(version, events.map((event) => json(event))));
}
