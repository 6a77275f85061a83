/**
 * The client's copy of the game, wired from parts with one job each: the
 * replica (shared/replica.ts) as the room last said it, this player's pending
 * actions (pending-actions.ts), the view they make on the replica
 * (live-view.ts), the drag under the pointer (drag-intent.ts), other players'
 * cursors (presence.ts), tidying (tidy-queue.ts), the sentences players read
 * (notices.ts) and the lost-move and desync checks (integrity.ts).
 *
 * It talks to the room through a RoomLink and keeps time by a Clock, both
 * given to it: no socket, no Phaser, no DOM and no timer of its own, so tests
 * build it in Node and drive it by hand.
 */
import { applyBatch, replicaFromSnapshot, type Replica } from "../../shared/replica.ts";
import { groupMembers, holderOf, lockedCount, type PuzzleState } from "../../shared/puzzle-state.ts";
import type { RejectReason } from "../../shared/rules.ts";
import { pieceCountOf } from "../../shared/puzzle-spec.ts";
import type { Audience, Batch, Mode, Player, PuzzleAction, Role, ServerMessage, Snapshot, WATCHING_BECAUSE, Welcome } from "../../shared/protocol.ts";
import type { HostCommand, RoomControlsEvent } from "../../shared/host-controls.ts";
import type { Clock } from "./clock.ts";
import { DragIntent, type Drag } from "./drag-intent.ts";
import { IntegrityTracker } from "./integrity.ts";
import { LiveView, type Motion } from "./live-view.ts";
import { Notices } from "./notices.ts";
import { PendingActions, type PendingAction } from "./pending-actions.ts";
import { Presence } from "./presence.ts";
import type { LinkState, LinkStatus, RoomLink } from "./room-link.ts";
import { TidyQueue } from "./tidy-queue.ts";
import type { TidyKind } from "./tidy.ts";
import { turned } from "../../shared/rotation.ts";

export type BeginDragResult = "dragging" | "locked" | "held" | "not-ready";
export type TurnResult = "turned" | BeginDragResult | "no-rotation";

/** Counts of what happened, for the HUD and tests. */
export interface StoreStats {
  acked: number;
  rejected: number;
  batches: number;
  welcomes: number;
  integrityChecks: number;
}

const NO_PIECES: readonly number[] = [];
const NO_RELEASE: ReadonlySet<number> = new Set();

type WatchingBecause = (typeof WATCHING_BECAUSE)[number];

export class PuzzleStore {
  readonly notices: Notices;
  readonly integrity = new IntegrityTracker();
  readonly presence: Presence;
  private readonly actions = new PendingActions();
  private readonly dragIntent: DragIntent;
  private readonly tidyQueue: TidyQueue;
  private replicaState: Replica | null = null;
  private live: LiveView | null = null;
  /** A drag step or a send has moved the view on since it was last derived. */
  private viewStale = false;
  private readonly batchChanged: number[] = [];
  private readonly batchReleased = new Set<number>();
  private playerId = "";
  private gameMode: Mode = "stateful";
  /** What this connection does here: a watcher's input does nothing and the store sends nothing for it. */
  private ownRole: Role = "player";
  private watchingReason: WatchingBecause | null = null;
  private audienceCounts: Audience | null = null;
  /** The host seat and switches as the room last said (null before it did, and in the stateless modes). */
  private controlsState: RoomControlsEvent | null = null;
  private linkState: LinkState = "connecting";
  private rtt: number | null = null;
  private readonly counts: StoreStats = { acked: 0, rejected: 0, batches: 0, welcomes: 0, integrityChecks: 0 };
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly link: RoomLink,
    private readonly clock: Clock,
  ) {
    this.notices = new Notices(clock, () => this.emit());
    this.presence = new Presence(clock, (x, y) => {
      if (this.linkState !== "open" || this.ownRole === "watcher") return false;
      link.send({ type: "cursor", x, y });
      return true;
    });
    this.tidyQueue = new TidyQueue(clock, () => this.runTidy());
    this.dragIntent = new DragIntent(clock, (pieceId, x, y) => void this.sendAction({ type: "move", pieceId, x, y }));
    link.onFrame((message) => this.receive(message));
    link.onStatus((status) => this.linkChanged(status));
  }

  // ---- reads ----

  /** The room's state as last received. */
  get replica(): Readonly<Replica> | null {
    return this.replicaState;
  }

  /** The replica with this player's unconfirmed actions replayed on top: what is shown. */
  get view(): PuzzleState | null {
    if (this.viewStale) this.derive();
    return this.live?.state ?? null;
  }

  get myId(): string {
    return this.playerId;
  }

  get mode(): Mode {
    return this.gameMode;
  }

  /** "watcher" while this connection only watches (see `takeSeat`). */
  get role(): Role {
    return this.ownRole;
  }

  /** Why this connection watches: it asked to (?watch=1), or the room's seats were all taken. */
  get watchingBecause(): WatchingBecause | null {
    return this.ownRole === "watcher" ? this.watchingReason : null;
  }

  /** How many play and how many watch, as the room last said (null before it did). */
  get audience(): Readonly<Audience> | null {
    return this.audienceCounts;
  }

  /** Who hosts the room, and whether it is locked, watch-only, private. */
  get controls(): Readonly<RoomControlsEvent> | null {
    return this.controlsState;
  }

  /** Whether this connection holds the host seat. */
  get isHost(): boolean {
    return this.controlsState !== null && this.controlsState.hostId === this.playerId && this.ownRole === "player";
  }

  /** A host's command; the room checks it (a non-host's is refused there, whatever the buttons show). */
  hostCommand(command: HostCommand): void {
    if (this.linkState === "open") this.link.send({ type: "host", command });
  }

  /** Where `playerId`'s cursor was last seen on the table (null when it never showed one). */
  cursorOf(playerId: string): { x: number; y: number } | null {
    const cursor = this.presence.cursors.get(playerId);
    return cursor ? { x: cursor.x, y: cursor.y } : null;
  }

  /** A watcher asks the room for a free player seat; the answer comes as a `seated` event or a room-full notice. */
  takeSeat(): void {
    if (this.ownRole !== "watcher" || this.linkState !== "open") return;
    this.link.send({ type: "seat" });
  }

  get status(): LinkState {
    return this.linkState;
  }

  get rttMs(): number | null {
    return this.rtt;
  }

  get drag(): Readonly<Drag> | null {
    return this.dragIntent.drag;
  }

  /** This player's actions the view still replays, oldest first. */
  get pending(): readonly PendingAction[] {
    return this.actions.list;
  }

  get stats(): Readonly<StoreStats> {
    return this.counts;
  }

  players(): Player[] {
    return this.replicaState ? [...this.replicaState.players.values()] : [];
  }

  playerName(playerId: string): string {
    return this.replicaState?.players.get(playerId)?.name ?? "Someone";
  }

  playerColor(playerId: string): string {
    return this.replicaState?.players.get(playerId)?.color ?? "#ffffff";
  }

  progress(): { placed: number; total: number } {
    const view = this.view;
    if (!view) return { placed: 0, total: 0 };
    return { placed: lockedCount(view), total: view.pieces.length };
  }

  completedAtMs(): number | null {
    return this.replicaState?.puzzle.completedAtMs ?? null;
  }

  startedAtMs(): number | null {
    return this.replicaState?.startedAtMs ?? null;
  }

  /** The group this player is dragging, if any. */
  myGroup(): number | undefined {
    if (this.viewStale) this.derive();
    return this.live?.heldGroup;
  }

  tidyRemaining(): number {
    return this.tidyQueue.remaining;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- what the scene draws from ----

  /**
   * Moves the pieces whose position, group, lock or following of the pointer
   * changed since the last call into `into`. True when they belong to a new
   * puzzle: draw them where they are, without easing.
   */
  takeChanges(into: Set<number>): boolean {
    if (this.viewStale) this.derive();
    return this.live?.takeChanges(into) ?? false;
  }

  /** How a changed piece gets to its place: following the pointer, easing into a snap, or gliding. */
  motionOf(pieceId: number): Motion {
    return this.live?.motionOf(pieceId) ?? "glide";
  }

  /** Pieces that joined a group or locked since the last call (for the snap flash). */
  takeSnaps(): number[] {
    return this.live?.takeSnaps() ?? [];
  }

  /** True once since the last call when holds changed (outlines need redrawing). */
  takeHoldsChanged(): boolean {
    return this.live?.takeHoldsChanged() ?? false;
  }

  // ---- driven by the scene ----

  beginDrag(pieceId: number, pointerX: number, pointerY: number): BeginDragResult {
    const view = this.view;
    if (!view || this.linkState !== "open" || view.completedAtMs !== null || this.ownRole === "watcher") return "not-ready";
    const piece = view.pieces[pieceId];
    if (!piece) return "not-ready";
    if (piece.locked) return "locked";
    const hold = holderOf(view, pieceId);
    if (hold && hold.playerId !== this.playerId) {
      this.notices.heldBy(this.playerName(hold.playerId));
      return "held";
    }
    const current = this.dragIntent.drag;
    if (current) this.endDrag(current.x - current.offsetX, current.y - current.offsetY);
    this.tidyQueue.clear();
    this.integrity.supersede(groupMembers(view, piece.group));
    const grab = this.sendAction({ type: "grab", pieceId });
    this.dragIntent.begin(pieceId, grab.seq, piece, pointerX, pointerY);
    this.derive();
    return "dragging";
  }

  /** A pointer step of the drag: derived once, when the view is next read, however many steps came between. */
  dragTo(pointerX: number, pointerY: number): void {
    if (!this.dragIntent.drag) return;
    this.dragIntent.to(pointerX, pointerY);
    this.viewStale = true;
  }

  /** Whether pieces turn in this room. */
  get rotation(): boolean {
    return this.replicaState?.puzzle.spec.rotation ?? false;
  }

  /**
   * Turns the group this player is dragging by `quarterTurns` (clockwise when
   * positive) about the piece under the pointer: one rotate action, shown at
   * once. False when nothing is held or pieces do not turn here.
   */
  rotateHeld(quarterTurns: number): boolean {
    const drag = this.dragIntent.drag;
    const view = this.view;
    if (!drag || !view?.spec.rotation || this.linkState !== "open") return false;
    const piece = view.pieces[drag.pieceId];
    if (!piece || piece.locked) return false;
    this.sendAction({ type: "rotate", pieceId: drag.pieceId, rotation: turned(piece.rotation, quarterTurns) });
    this.derive();
    return true;
  }

  /**
   * Turns a piece nobody holds where it lies (a right click on it): grab, turn
   * and drop in place, three ordinary actions, so a turn to where it fits snaps.
   */
  turnPiece(pieceId: number, quarterTurns: number): TurnResult {
    if (!this.rotation) return "no-rotation";
    const piece = this.view?.pieces[pieceId];
    const begun = piece ? this.beginDrag(pieceId, piece.x, piece.y) : "not-ready";
    if (begun !== "dragging") return begun;
    this.rotateHeld(quarterTurns);
    const landed = this.view!.pieces[pieceId]!;
    this.endDrag(landed.x, landed.y);
    return "turned";
  }

  endDrag(pointerX: number, pointerY: number): void {
    const drag = this.dragIntent.end(pointerX, pointerY);
    if (!drag) return;
    this.sendAction({ type: "drop", pieceId: drag.pieceId, x: drag.x, y: drag.y });
    this.derive();
    this.live?.dropped(drag.pieceId);
    this.runTidy();
  }

  /** Own pointer on the table, sent throttled so others see this player's cursor. */
  pointerAt(x: number, y: number): void {
    this.presence.pointerAt(x, y);
  }

  /** Lays out loose pieces through ordinary grab/drop actions. Returns how many will move. */
  tidy(kind: TidyKind): number {
    const view = this.view;
    if (!view || this.linkState !== "open" || view.completedAtMs !== null || this.ownRole === "watcher") return 0;
    const count = this.tidyQueue.plan(view, kind);
    this.notices.tidyPlanned(kind, count);
    this.runTidy();
    return count;
  }

  /** Compares with the authoritative state the poller fetched (lost moves, desync). */
  checkIntegrity(authority: Snapshot, fetchStartedAtMs: number): void {
    const view = this.view;
    if (!this.replicaState || !view) return;
    const busy = new Set<number>();
    for (const group of view.holds.keys()) for (const id of groupMembers(view, group)) busy.add(id);
    for (const action of this.actions.list) {
      const piece = view.pieces[action.message.pieceId];
      if (piece) for (const id of groupMembers(view, piece.group)) busy.add(id);
    }
    const before = this.integrity.lostMoves;
    this.counts.integrityChecks++;
    this.integrity.check(authority, this.replicaState.puzzle, busy, fetchStartedAtMs);
    if (this.integrity.lostMoves > before) this.notices.movesVanished(this.integrity.lostMoves - before);
    this.emit();
  }

  // ---- fed by the link ----

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case "welcome":
        return this.welcome(message);
      case "batch":
        return this.batch(message);
      case "error":
        // A watcher's seat refused: it goes on watching, nothing is over.
        if (message.code === "room-full" && this.ownRole === "watcher" && this.linkState === "open") return this.notices.seatRefused(message.message);
        return this.notices.roomError(message.code, message.message);
      case "pong":
        // The link measures the round trip and reports it with its status.
        return;
      case "ping":
        // The server's heartbeat: the link answers it.
        return;
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  }

  /** A welcome (first join or resume): the snapshot replaces everything, in-flight actions are void. */
  private welcome(message: Welcome): void {
    const previous = this.replicaState?.puzzle.spec;
    const replica = replicaFromSnapshot(message.snapshot);
    const samePuzzle = previous !== undefined && previous.seed === message.snapshot.spec.seed && pieceCountOf(previous) === message.snapshot.pieces.length;
    this.replicaState = replica;
    this.playerId = message.playerId;
    this.gameMode = message.mode;
    this.ownRole = message.role ?? "player";
    this.watchingReason = message.watchingBecause ?? null;
    this.audienceCounts = message.audience ?? null;
    this.notices.welcomed();
    this.actions.clear();
    this.actions.setMode(message.mode);
    this.integrity.welcomed(message.mode, message.snapshot.version);
    this.dragIntent.cancel();
    this.tidyQueue.clear();
    this.counts.welcomes++;
    if (samePuzzle && this.live) this.live.rebase(replica);
    else this.live = new LiveView(replica);
    this.derive();
    this.emit();
  }

  private batch(message: Batch): void {
    const replica = this.replicaState;
    if (!replica) return;
    this.counts.batches++;
    applyBatch(replica, message);
    const changed = this.batchChanged;
    changed.length = 0;
    const released = this.batchReleased;
    released.clear();
    // What the room changed in earlier frames' drops is judged before this frame's acks record new ones.
    this.integrity.heard(message.version);
    for (const event of message.events) {
      if (event.type === "pieces") {
        for (const [id] of event.pieces) changed.push(id);
      } else if (event.type === "holds") {
        for (const [group, playerId] of event.holds) {
          if (playerId !== null && playerId !== this.playerId) this.integrity.supersede(groupMembers(replica.puzzle, group));
          // A hub's frame carries one commit: an own grab acked in it ended these holds.
          if (playerId === null) for (const id of groupMembers(replica.puzzle, group)) released.add(id);
        }
      }
    }
    this.integrity.changed(changed, message.version);
    for (const event of message.events) {
      switch (event.type) {
        case "ack":
          this.onAck(event.seq, event.version, released);
          break;
        case "reject":
          this.onReject(event.seq, event.reason);
          break;
        case "pieces":
        case "holds":
          break;
        case "cursors":
          this.presence.received(event.cursors, this.playerId);
          break;
        case "player-left":
          this.presence.left(event.playerId);
          break;
        case "audience":
          this.audienceCounts = { players: event.players, watchers: event.watchers };
          break;
        case "seated":
          this.ownRole = "player";
          this.watchingReason = null;
          this.notices.seated();
          break;
        case "room-controls":
          this.controlsChanged(this.controlsState, event);
          this.controlsState = event;
          break;
        case "kicked":
          if (event.playerId !== this.playerId) this.notices.add("info", `The host ${event.banned ? "banned" : "removed"} ${event.name}${event.reason ? `: ${event.reason}` : "."}`);
          break;
        case "host-passed":
          this.notices.add("info", event.hostId === this.playerId ? "The host was away: you are the host now." : `The host was away: ${this.playerName(event.hostId)} is the host now.`);
          break;
        case "player-joined":
        case "placed":
        case "complete":
          break;
        // Talk and marks are the chat store's (chat.ts), which hears the same frames.
        case "chat":
        case "chat-history":
        case "mark":
        case "chat-refused":
          break;
        default: {
          const unreachable: never = event;
          return unreachable;
        }
      }
    }
    this.actions.confirm(replica.puzzle.version);
    this.derive(changed);
    this.runTidy();
    this.emit();
  }

  /** The host's switches, said when they change (not on the first word of a welcome). */
  private controlsChanged(before: RoomControlsEvent | null, after: RoomControlsEvent): void {
    if (!before) return;
    if (before.locked !== after.locked) this.notices.add("info", after.locked ? "The host locked the room: newcomers only watch." : "The host unlocked the room.");
    if (before.watchOnly !== after.watchOnly) this.notices.add("info", after.watchOnly ? "The host made the room a show: nobody moves pieces for now." : "Play is back on: the room is no longer watch-only.");
  }

  private linkChanged(status: LinkStatus): void {
    this.rtt = status.rttMs;
    if (status.refusal) this.notices.refused(status.refusal);
    if (status.state !== this.linkState) {
      this.linkState = status.state;
      if (status.state === "open") this.presence.linkOpened();
      else {
        // The room releases a disconnected player's holds; so does the view.
        this.dragIntent.cancel();
        this.tidyQueue.clear();
        this.viewStale = true;
      }
    }
    this.emit();
  }

  /** `released`: pieces whose holds the frame carrying the ack ended. */
  private onAck(seq: number, version: number, released: ReadonlySet<number>): void {
    const nowMs = this.clock.now();
    const action = this.actions.acked(seq, version, nowMs);
    if (!action) return;
    this.counts.acked++;
    const { message } = action;
    if (message.type === "grab") this.grabAnswered(seq, released);
    if (message.type === "drop") this.integrity.dropAcked(seq, message.pieceId, version, this.replicaState!.puzzle.pieces[message.pieceId]!, nowMs);
    else this.integrity.holdRenewed(seq, message.pieceId, action.sentAtMs, message.type === "grab", version, nowMs);
  }

  private onReject(seq: number, reason: RejectReason): void {
    const action = this.actions.rejected(seq);
    if (!action) return;
    this.counts.rejected++;
    const { pieceId } = action.message;
    const drag = this.dragIntent.drag;
    const { message } = action;
    if (message.type === "grab") this.grabAnswered(seq, NO_RELEASE);
    if (message.type !== "grab" && (reason === "not-holding" || reason === "held-by-other") && this.integrity.refusedWhileHeld(pieceId, this.clock.now(), { type: message.type, sentAtMs: action.sentAtMs })) {
      if (drag?.pieceId === pieceId) this.dragIntent.cancel();
      this.notices.grabForgotten();
      return;
    }
    if (drag && drag.grabSeq === seq) {
      const hold = this.replicaState ? holderOf(this.replicaState.puzzle, drag.pieceId) : undefined;
      this.dragIntent.cancel();
      if (hold && hold.playerId !== this.playerId) this.notices.grabbedFirst(this.playerName(hold.playerId));
      else this.notices.rejected(reason);
      return;
    }
    // Moves and drops that follow a failed grab fail for the same reason: say it once.
    if (action.message.type === "grab" || reason === "puzzle-complete") return;
    if (this.actions.grabWaiting(pieceId)) return;
    this.notices.rejected(reason);
  }

  // ---- internals ----

  /** A refusal in an earlier hold may have waited for this grab's answer (integrity.ts grabAnswered). */
  private grabAnswered(seq: number, released: ReadonlySet<number>): void {
    for (let counted = this.integrity.grabAnswered(seq, released); counted > 0; counted--) this.notices.grabForgotten();
  }

  private unansweredDropOfGroup(pieceId: number): boolean {
    const view = this.replicaState?.puzzle;
    const group = view?.pieces[pieceId]?.group;
    if (!view || group === undefined) return false;
    const members = new Set(groupMembers(view, group));
    return this.pending.some((pending) => pending.message.type === "drop" && pending.ackedAtMs === undefined && members.has(pending.message.pieceId));
  }

  private sendAction(action: PuzzleAction): PendingAction {
    // Every input path stops a watcher before here; this keeps a new one from slipping through.
    if (this.ownRole === "watcher") throw new Error("a watcher's input reached sendAction");
    // A grab sent while this player's drop of the same group is unanswered: in the stateless
    // hubs that drop may commit after the grab and end the new hold by this player's own hand.
    const tangled = action.type === "grab" && this.mode !== "stateful" && this.unansweredDropOfGroup(action.pieceId);
    const pending = this.actions.add(action, this.clock.now());
    if (action.type === "grab") this.integrity.grabSent(pending.seq, action.pieceId, tangled);
    if (action.type === "drop") this.integrity.dropSent(action.pieceId);
    this.link.send(pending.message);
    this.viewStale = true;
    return pending;
  }

  private runTidy(): void {
    if (this.tidyQueue.remaining === 0 || this.dragIntent.drag || this.linkState !== "open") return;
    const view = this.view;
    if (!view) return;
    if (!this.tidyQueue.run(view, this.actions.unanswered(), (action) => void this.sendAction(action))) return;
    this.live?.tidying();
    this.derive();
    if (this.tidyQueue.remaining === 0) this.emit();
  }

  private derive(batchChanged: Iterable<number> = NO_PIECES): void {
    this.viewStale = false;
    if (!this.replicaState || !this.live) return;
    this.live.derive(this.replicaState, this.actions.list, this.dragIntent.drag, this.playerId, this.clock.now(), batchChanged);
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
