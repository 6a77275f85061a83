/**
 * The client's copy of the game: the room's state as last received (a replica
 * read through shared/replica.ts), this player's actions not yet confirmed,
 * and the view made of both by replaying those actions with the shared rules.
 * It knows nothing of sockets, Phaser or the DOM: the connection feeds it frames
 * and gives it a `send`, the scene reads it every frame.
 */
import { applyBatch, replicaFromSnapshot, type Replica } from "../../shared/replica.ts";
import { clonePuzzle, groupMembers, heldGroupOf, holderOf, lockedCount, type PuzzleState } from "../../shared/puzzle-state.ts";
import { GRAB_LEASE_MS, applyAction, move, type RejectReason } from "../../shared/rules.ts";
import { pieceCountOf } from "../../shared/puzzle-spec.ts";
import type { ActionMessage, Batch, ClientMessage, Mode, Player, Snapshot, Welcome } from "../../shared/protocol.ts";
import { REMOTE_SMOOTHING_MS, SNAP_SMOOTHING_MS, Smoothing } from "./smoothing.ts";
import { IntegrityTracker } from "./integrity.ts";
import { planTidy, type TidyKind, type TidyMove } from "./tidy.ts";

/** Moves of a dragged piece go out at most this often (about 25 Hz), whatever the pointer does. */
export const MOVE_SEND_INTERVAL_MS = 40;
/** Own cursor position goes out at most this often. */
export const CURSOR_SEND_INTERVAL_MS = 50;
/** A still drag renews its grab lease this often so the hold does not expire under the pointer. */
export const LEASE_RENEW_INTERVAL_MS = 3_000;
/** An acked action stays applied locally until the state containing it arrives, or this long. */
export const ACKED_GRACE_MS = 1_000;
/** Actions "gather"/"sort edges" keep in flight at once, so tidying never floods the room. */
export const TIDY_IN_FLIGHT_MAX = 40;
/** Notices disappear after this long. */
export const NOTICE_TTL_MS = 4_000;

export type ConnectionStatus = "connecting" | "open" | "reconnecting" | "closed";

export interface PendingAction {
  seq: number;
  message: ActionMessage;
  sentAtMs: number;
  /** Set when acked; the action stays applied until `ackVersion` is in the replica. */
  ackedAtMs?: number;
  ackVersion?: number;
  /** For drops: where the local rules put the dropped piece. */
  landedAt?: { x: number; y: number };
}

export interface Drag {
  pieceId: number;
  grabSeq: number;
  /** Offset from the pointer to the piece's top-left, in table px. */
  offsetX: number;
  offsetY: number;
  x: number;
  y: number;
  unsent: boolean;
  lastSentAtMs: number;
}

export interface RemoteCursor {
  playerId: string;
  x: number;
  y: number;
  targetX: number;
  targetY: number;
  seenAtMs: number;
}

export interface Notice {
  id: number;
  kind: "reject" | "info" | "error";
  text: string;
  atMs: number;
}

export type BeginDragResult = "dragging" | "locked" | "held" | "not-ready";

export interface StoreHost {
  send(message: ClientMessage): void;
  now(): number;
}

const REJECT_TEXT: Record<RejectReason, string> = {
  "no-such-piece": "That piece does not exist.",
  "piece-locked": "That piece is already in place.",
  "held-by-other": "Someone else is holding that piece.",
  "not-holding": "You are no longer holding that piece.",
  "out-of-range": "That spot is off the table.",
  "puzzle-complete": "The puzzle is already complete.",
  conflict: "The store was too busy to save that move (write conflicts); try again.",
};

export class PuzzleStore {
  replica: Replica | null = null;
  /** The view as last derived; `viewStale` when a drag step has moved it on since. */
  private derivedView: PuzzleState | null = null;
  private viewStale = false;
  smoothing: Smoothing | null = null;
  myId = "";
  mode: Mode = "stateful";
  status: ConnectionStatus = "connecting";
  rttMs: number | null = null;
  /** Set when the room refused this client for good (version, room full, no such room). */
  fatal: string | null = null;
  drag: Drag | null = null;
  readonly pending: PendingAction[] = [];
  readonly cursors = new Map<string, RemoteCursor>();
  readonly integrity = new IntegrityTracker();
  notices: Notice[] = [];
  /** Counts of what happened, for the HUD and tests. */
  readonly stats = { acked: 0, rejected: 0, batches: 0, welcomes: 0, invalidFrames: 0, integrityChecks: 0 };

  private nextSeq = 1;
  private nextNoticeId = 1;
  private lastTickMs: number | null = null;
  private lastCursorSentMs = Number.NEGATIVE_INFINITY;
  private unsentCursor: { x: number; y: number } | null = null;
  private tidyQueue: TidyMove[] = [];
  /** Pieces the player's last drop moved: they ease into their snapped place. */
  private snapping = new Set<number>();
  /** Pieces whose drawn position, group, lock or hold changed since the scene last looked. */
  private readonly changed = new Set<number>();
  private prevGroup = new Int32Array(0);
  private prevLocked = new Uint8Array(0);
  private readonly listeners = new Set<() => void>();
  private holdsChanged = true;
  private readonly snaps: number[] = [];
  /** This player's acked grabs by piece, to notice when the room has forgotten one. */
  private readonly ackedGrabs = new Map<number, { ackedAtMs: number; judged: boolean }>();

  constructor(private readonly host: StoreHost) {}

  // ---- fed by the connection ----

  /** A welcome (first join or resume): the snapshot replaces everything, in-flight actions are void. */
  welcome(message: Welcome): void {
    const fresh = !this.replica || this.replica.puzzle.spec.seed !== message.snapshot.spec.seed || pieceCountOf(this.replica.puzzle.spec) !== message.snapshot.pieces.length;
    this.replica = replicaFromSnapshot(message.snapshot);
    this.myId = message.playerId;
    this.mode = message.mode;
    this.fatal = null;
    this.pending.length = 0;
    this.drag = null;
    this.tidyQueue = [];
    this.stats.welcomes++;
    const count = message.snapshot.pieces.length;
    if (fresh || !this.smoothing) {
      this.smoothing = new Smoothing(count);
      this.prevGroup = new Int32Array(count);
      this.prevLocked = new Uint8Array(count);
      this.replica.puzzle.pieces.forEach((piece, id) => {
        this.smoothing!.jump(id, piece.x, piece.y);
        this.prevGroup[id] = piece.group;
        this.prevLocked[id] = piece.locked ? 1 : 0;
        this.changed.add(id);
      });
    }
    this.rederive();
    this.emit();
  }

  batch(message: Batch): void {
    const replica = this.replica;
    if (!replica) return;
    this.stats.batches++;
    applyBatch(replica, message);
    const now = this.host.now();
    for (const event of message.events) {
      switch (event.type) {
        case "ack":
          this.onAck(event.seq, event.version, now);
          break;
        case "reject":
          this.onReject(event.seq, event.reason);
          break;
        case "cursors":
          for (const [playerId, x, y] of event.cursors) {
            if (playerId === this.myId) continue;
            const cursor = this.cursors.get(playerId);
            if (cursor) Object.assign(cursor, { targetX: x, targetY: y, seenAtMs: now });
            else this.cursors.set(playerId, { playerId, x, y, targetX: x, targetY: y, seenAtMs: now });
          }
          break;
        case "player-left":
          this.cursors.delete(event.playerId);
          break;
        case "holds":
          this.holdsChanged = true;
          for (const [group, playerId] of event.holds) {
            if (playerId !== null && playerId !== this.myId) this.integrity.supersede(groupMembers(replica.puzzle, group));
          }
          break;
        case "pieces":
        case "player-joined":
        case "placed":
        case "complete":
          break;
        default: {
          const unreachable: never = event;
          return unreachable;
        }
      }
    }
    this.retireConfirmed(now);
    this.rederive();
    this.emit();
  }

  setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    if (status !== "open") {
      // The room releases a disconnected player's holds; so does the view.
      this.drag = null;
      this.tidyQueue = [];
    }
    this.emit();
  }

  setRtt(rttMs: number): void {
    this.rttMs = rttMs;
    this.emit();
  }

  setFatal(reason: string): void {
    this.fatal = reason;
    this.emit();
  }

  notify(kind: Notice["kind"], text: string): void {
    this.notices.push({ id: this.nextNoticeId++, kind, text, atMs: this.host.now() });
    this.emit();
  }

  /** Compares with the authoritative state the poller fetched (lost moves, desync). */
  checkIntegrity(authority: Snapshot, fetchStartedAtMs: number): void {
    if (!this.replica || !this.view) return;
    const busy = new Set<number>();
    for (const group of this.view.holds.keys()) for (const id of groupMembers(this.view, group)) busy.add(id);
    for (const action of this.pending) {
      const piece = this.view.pieces[action.message.pieceId];
      if (piece) for (const id of groupMembers(this.view, piece.group)) busy.add(id);
    }
    const before = this.integrity.lostMoves;
    this.stats.integrityChecks++;
    this.integrity.check(authority, this.replica.puzzle, busy, fetchStartedAtMs);
    if (this.integrity.lostMoves > before) this.notify("error", `${this.integrity.lostMoves - before} of your acknowledged moves vanished from the stored state.`);
    this.emit();
  }

  // ---- driven by the scene ----

  beginDrag(pieceId: number, pointerX: number, pointerY: number): BeginDragResult {
    const view = this.view;
    if (!view || this.status !== "open" || view.completedAtMs !== null) return "not-ready";
    const piece = view.pieces[pieceId];
    if (!piece) return "not-ready";
    if (piece.locked) return "locked";
    const hold = holderOf(view, pieceId);
    if (hold && hold.playerId !== this.myId) {
      this.notify("reject", `${this.playerName(hold.playerId)} is holding that piece.`);
      return "held";
    }
    if (this.drag) this.endDrag(this.drag.x - this.drag.offsetX, this.drag.y - this.drag.offsetY);
    this.tidyQueue = [];
    this.integrity.supersede(groupMembers(view, piece.group));
    const grabSeq = this.sendAction({ type: "grab", seq: 0, pieceId });
    const now = this.host.now();
    this.drag = { pieceId, grabSeq, offsetX: piece.x - pointerX, offsetY: piece.y - pointerY, x: piece.x, y: piece.y, unsent: false, lastSentAtMs: now };
    this.rederive();
    return "dragging";
  }

  /** The replica with this player's unconfirmed actions replayed on top: what is shown. */
  get view(): PuzzleState | null {
    if (this.viewStale) this.rederive();
    return this.derivedView;
  }

  /** A pointer step of the drag: derived once, when the view is next read or the next tick, however many steps came between. */
  dragTo(pointerX: number, pointerY: number): void {
    const drag = this.drag;
    if (!drag) return;
    drag.x = pointerX + drag.offsetX;
    drag.y = pointerY + drag.offsetY;
    drag.unsent = true;
    this.sendDragMoveIfDue(this.host.now());
    this.viewStale = true;
  }

  endDrag(pointerX: number, pointerY: number): void {
    const drag = this.drag;
    if (!drag) return;
    drag.x = pointerX + drag.offsetX;
    drag.y = pointerY + drag.offsetY;
    this.drag = null;
    this.sendAction({ type: "drop", seq: 0, pieceId: drag.pieceId, x: drag.x, y: drag.y });
    this.rederive();
  }

  /** Own pointer on the table, sent throttled so others see this player's cursor. */
  pointerAt(x: number, y: number): void {
    this.unsentCursor = { x: Math.round(x), y: Math.round(y) };
    this.sendCursorIfDue(this.host.now());
  }

  /** Lays out loose pieces through ordinary grab/drop actions. Returns how many will move. */
  tidy(kind: TidyKind): number {
    if (!this.view || this.status !== "open" || this.view.completedAtMs !== null) return 0;
    this.tidyQueue = planTidy(this.view, kind);
    if (this.tidyQueue.length === 0) this.notify("info", kind === "edges" ? "No loose edge pieces to sort." : "Nothing to gather.");
    return this.tidyQueue.length;
  }

  tidyRemaining(): number {
    return this.tidyQueue.length;
  }

  /** Advances time: glides, throttled sends, tidying. Returns pieces to redraw. */
  tick(nowMs: number, changed: Set<number>): void {
    const dtMs = this.lastTickMs === null ? 16 : Math.min(100, nowMs - this.lastTickMs);
    this.lastTickMs = nowMs;
    if (this.viewStale) this.rederive();
    if (this.drag) {
      this.sendDragMoveIfDue(nowMs);
      if (nowMs - this.drag.lastSentAtMs >= LEASE_RENEW_INTERVAL_MS) {
        this.drag.unsent = true;
        this.sendDragMoveIfDue(nowMs);
      }
    }
    this.sendCursorIfDue(nowMs);
    this.runTidy();
    if (this.pending.some((action) => action.ackedAtMs !== undefined)) {
      if (this.retireConfirmed(nowMs)) this.rederive();
    }
    this.smoothing?.advance(dtMs);
    for (const cursor of this.cursors.values()) {
      const factor = 1 - Math.exp(-dtMs / REMOTE_SMOOTHING_MS);
      cursor.x += (cursor.targetX - cursor.x) * factor;
      cursor.y += (cursor.targetY - cursor.y) * factor;
    }
    const before = this.notices.length;
    this.notices = this.notices.filter((notice) => nowMs - notice.atMs < NOTICE_TTL_MS);
    if (this.notices.length !== before) this.emit();
    for (const id of this.changed) changed.add(id);
    this.changed.clear();
  }

  /** Pieces that joined a group or locked since the last call (for the snap flash). */
  takeSnaps(): number[] {
    return this.snaps.splice(0);
  }

  /** True once since the last call when holds changed (outlines need redrawing). */
  takeHoldsChanged(): boolean {
    const result = this.holdsChanged;
    this.holdsChanged = false;
    return result;
  }

  // ---- reads ----

  players(): Player[] {
    return this.replica ? [...this.replica.players.values()] : [];
  }

  playerName(playerId: string): string {
    return this.replica?.players.get(playerId)?.name ?? "Someone";
  }

  playerColor(playerId: string): string {
    return this.replica?.players.get(playerId)?.color ?? "#ffffff";
  }

  progress(): { placed: number; total: number } {
    if (!this.view) return { placed: 0, total: 0 };
    return { placed: lockedCount(this.view), total: this.view.pieces.length };
  }

  completedAtMs(): number | null {
    return this.replica?.puzzle.completedAtMs ?? null;
  }

  startedAtMs(): number | null {
    return this.replica?.startedAtMs ?? null;
  }

  /** The group this player is dragging, if any. */
  myGroup(): number | undefined {
    return this.view ? heldGroupOf(this.view, this.myId) : undefined;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- internals ----

  private sendAction(message: ActionMessage): number {
    const seq = this.nextSeq++;
    const numbered = { ...message, seq } as ActionMessage;
    const action: PendingAction = { seq, message: numbered, sentAtMs: this.host.now() };
    this.pending.push(action);
    // A new grab starts a new hold; an older acked grab of the piece says nothing about it.
    if (numbered.type === "grab") this.ackedGrabs.delete(numbered.pieceId);
    if (numbered.type === "drop" && this.view) {
      // Where our copy of the rules lands the drop: what "this move" means for the lost-move check.
      // The view may not show this drop's grab yet (tidying sends both at once): take it in the trial.
      const trial = clonePuzzle(this.view);
      applyAction(trial, this.myId, { type: "grab", pieceId: numbered.pieceId }, this.host.now());
      applyAction(trial, this.myId, numbered, this.host.now());
      const landed = trial.pieces[numbered.pieceId];
      if (landed) action.landedAt = { x: landed.x, y: landed.y };
      this.snapping = new Set(groupMembers(trial, landed?.group ?? -1));
    }
    this.host.send(numbered);
    return seq;
  }

  private sendDragMoveIfDue(nowMs: number): void {
    const drag = this.drag;
    if (!drag || !drag.unsent || nowMs - drag.lastSentAtMs < MOVE_SEND_INTERVAL_MS) return;
    drag.unsent = false;
    drag.lastSentAtMs = nowMs;
    this.sendAction({ type: "move", seq: 0, pieceId: drag.pieceId, x: drag.x, y: drag.y });
  }

  private sendCursorIfDue(nowMs: number): void {
    if (!this.unsentCursor || this.status !== "open" || nowMs - this.lastCursorSentMs < CURSOR_SEND_INTERVAL_MS) return;
    this.host.send({ type: "cursor", ...this.unsentCursor });
    this.unsentCursor = null;
    this.lastCursorSentMs = nowMs;
  }

  private runTidy(): void {
    if (this.tidyQueue.length === 0 || this.drag || this.status !== "open") return;
    let inFlight = this.pending.filter((action) => action.ackedAtMs === undefined).length;
    let sent = false;
    while (inFlight + 2 <= TIDY_IN_FLIGHT_MAX && this.tidyQueue.length > 0) {
      const next = this.tidyQueue.shift()!;
      const piece = this.view?.pieces[next.pieceId];
      if (!piece || piece.locked || this.view?.holds.has(piece.group)) continue;
      this.sendAction({ type: "grab", seq: 0, pieceId: next.pieceId });
      this.sendAction({ type: "drop", seq: 0, pieceId: next.pieceId, x: next.x, y: next.y });
      inFlight += 2;
      sent = true;
    }
    if (sent) {
      this.snapping.clear();
      this.rederive();
      if (this.tidyQueue.length === 0) this.emit();
    }
  }

  private onAck(seq: number, version: number, nowMs: number): void {
    const action = this.pending.find((candidate) => candidate.seq === seq);
    if (!action) return;
    this.stats.acked++;
    action.ackedAtMs = nowMs;
    action.ackVersion = version;
    if (action.message.type === "grab") this.ackedGrabs.set(action.message.pieceId, { ackedAtMs: nowMs, judged: false });
    if (action.message.type === "drop") this.ackedGrabs.delete(action.message.pieceId);
    if (action.message.type === "drop" && action.landedAt) {
      this.integrity.recordAckedDrop({ seq, pieceId: action.message.pieceId, x: action.landedAt.x, y: action.landedAt.y, ackedAtMs: nowMs });
    }
  }

  private onReject(seq: number, reason: RejectReason): void {
    const index = this.pending.findIndex((candidate) => candidate.seq === seq);
    if (index < 0) return;
    this.stats.rejected++;
    const [action] = this.pending.splice(index, 1);
    if (action && action.message.type !== "grab" && (reason === "not-holding" || reason === "held-by-other")) {
      const grabbed = this.ackedGrabs.get(action.message.pieceId);
      // Within its lease an acked grab cannot lapse (drags renew it): the room lost it.
      if (grabbed && !grabbed.judged && action.sentAtMs - grabbed.ackedAtMs < GRAB_LEASE_MS - LEASE_RENEW_INTERVAL_MS) {
        grabbed.judged = true;
        this.integrity.recordLost();
        if (this.drag?.pieceId === action.message.pieceId) this.drag = null;
        this.notify("error", "The room forgot your acknowledged grab of that piece: another write overwrote it.");
        return;
      }
    }
    if (this.drag && this.drag.grabSeq === seq) {
      const hold = this.replica ? holderOf(this.replica.puzzle, this.drag.pieceId) : undefined;
      this.drag = null;
      this.notify("reject", hold && hold.playerId !== this.myId ? `${this.playerName(hold.playerId)} grabbed that piece first.` : REJECT_TEXT[reason]);
      return;
    }
    // Moves and drops that follow a failed grab fail for the same reason: say it once.
    if (action?.message.type === "grab" || reason === "puzzle-complete") return;
    if (this.pending.some((other) => other.message.type === "grab" && other.message.pieceId === action?.message.pieceId)) return;
    this.notify("reject", REJECT_TEXT[reason]);
  }

  /** Drops acked actions whose effect the replica now contains (or that waited long enough). */
  private retireConfirmed(nowMs: number): boolean {
    const version = this.replica?.puzzle.version ?? 0;
    const before = this.pending.length;
    for (let index = this.pending.length - 1; index >= 0; index--) {
      const action = this.pending[index]!;
      if (action.ackedAtMs === undefined) continue;
      if (version >= action.ackVersion! || nowMs - action.ackedAtMs >= ACKED_GRACE_MS) this.pending.splice(index, 1);
    }
    return this.pending.length !== before;
  }

  /** Rebuilds the view: replica, then every unconfirmed action replayed with the shared rules. */
  private rederive(): void {
    this.viewStale = false;
    const replica = this.replica;
    const smoothing = this.smoothing;
    if (!replica || !smoothing) return;
    const now = this.host.now();
    let view = replica.puzzle;
    if (this.pending.length > 0 || this.drag) {
      view = clonePuzzle(replica.puzzle);
      for (const { message } of this.pending) applyAction(view, this.myId, message, now);
      if (this.drag?.unsent) move(view, this.myId, this.drag.pieceId, this.drag.x, this.drag.y, now);
    }
    const myGroup = heldGroupOf(view, this.myId);
    const pieces = view.pieces;
    for (let id = 0; id < pieces.length; id++) {
      const piece = pieces[id]!;
      const locked = piece.locked ? 1 : 0;
      if (this.prevGroup[id] !== piece.group || this.prevLocked[id] !== locked) {
        if (this.prevLocked[id] !== locked) this.snapping.add(id);
        // Joining a group gives it the smaller id; a lock only ever appears. Anything else is an undo.
        const joined = piece.group < this.prevGroup[id]! || (locked === 1 && this.prevLocked[id] === 0);
        if (joined && this.snaps.length < pieces.length) this.snaps.push(id);
        this.prevGroup[id] = piece.group;
        this.prevLocked[id] = locked;
        this.changed.add(id);
      }
      if (myGroup !== undefined && piece.group === myGroup && this.drag) {
        if (smoothing.x[id] !== piece.x || smoothing.y[id] !== piece.y) {
          smoothing.jump(id, piece.x, piece.y);
          this.changed.add(id);
        }
      } else if (smoothing.glide(id, piece.x, piece.y, this.snapping.has(id) ? SNAP_SMOOTHING_MS : REMOTE_SMOOTHING_MS)) {
        this.changed.add(id);
      }
    }
    if (view.holds.size > 0 || (this.derivedView?.holds.size ?? 0) > 0) this.holdsChanged = true;
    this.derivedView = view;
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}
