/**
 * A game's history as a replica the replay viewer can move through in time:
 * the room's action log (read page by page) replayed from where it starts with
 * the shared rules, keyframes every so many entries so a scrub backwards costs
 * one copy and a short replay, the progress curve (pieces on the board over
 * time), and who put each piece in place. Pure: no DOM, no Phaser, no network;
 * tests drive it in Node.
 */
import type { LogEntry } from "../../shared/action-log.ts";
import type { LogCheckpoint } from "../../shared/log-checkpoint.ts";
import { applyLogEntry, replayStart } from "../../shared/log-replay.ts";
import { clonePuzzle, groupMembers, type PuzzleState } from "../../shared/puzzle-state.ts";
import type { PuzzleSpec } from "../../shared/puzzle-spec.ts";

/** At most this many entries are replayed to reach any moment from its keyframe. */
const KEYFRAME_ENTRIES = 2_000;

/** A point of the progress curve: pieces locked on the board from `atMs` on. */
export interface CurvePoint {
  atMs: number;
  locked: number;
}

interface Keyframe {
  /** Entries applied. */
  applied: number;
  state: PuzzleState;
  placer: Int16Array;
}

/** No one placed this piece (yet, at the moment shown). */
const NOBODY = -1;

export class ReplayTimeline {
  readonly spec: PuzzleSpec;
  /** The moment the replay starts at (the log's first entry, or the checkpoint it starts from). */
  readonly startMs: number;
  /** The state at the moment shown: entries [0, applied) replayed. */
  private current: PuzzleState;
  private appliedCount = 0;
  private readonly entries: LogEntry[] = [];
  /** Who placed each piece at the moment shown, as an index into `players` (NOBODY when no one). */
  private placer: Int16Array;
  private readonly playerIndex = new Map<string, number>();
  readonly players: string[] = [];
  private readonly keyframes: Keyframe[] = [];
  readonly curve: CurvePoint[] = [];
  /** The state after every entry so far, kept to extend the curve and the keyframes as entries arrive. */
  private readonly head: { state: PuzzleState; placer: Int16Array; applied: number };
  /** Pieces that changed since the last `takeChanged`; a jump (keyframe restored) marks every piece. */
  private readonly changed = new Set<number>();
  private jumped = true;
  private holdsChanged = true;

  constructor(spec: PuzzleSpec, checkpoint: LogCheckpoint | null, startedAtMs: number, first: LogEntry | undefined) {
    this.spec = spec;
    // A checkpoint of a room stored before the log has no time: its first entry's is the nearest.
    this.startMs = checkpoint ? (checkpoint.atMs ?? first?.atMs ?? startedAtMs) : startedAtMs;
    const start = replayStart(spec, checkpoint);
    this.placer = new Int16Array(start.pieces.length).fill(NOBODY);
    this.current = clonePuzzle(start);
    this.head = { state: start, placer: new Int16Array(this.placer), applied: 0 };
    this.keyframes.push({ applied: 0, state: clonePuzzle(start), placer: new Int16Array(this.placer) });
    this.curve.push({ atMs: this.startMs, locked: start.lockedPieces });
  }

  /** Adds entries read from the log (in order, after those already added). */
  append(entries: readonly LogEntry[]): void {
    const head = this.head;
    for (const entry of entries) {
      this.entries.push(entry);
      this.step(head.state, head.placer, entry, head.applied);
      head.applied++;
      const last = this.curve[this.curve.length - 1]!;
      if (head.state.lockedPieces !== last.locked) this.curve.push({ atMs: entry.atMs, locked: head.state.lockedPieces });
      if (head.applied % KEYFRAME_ENTRIES === 0) this.keyframes.push({ applied: head.applied, state: clonePuzzle(head.state), placer: new Int16Array(head.placer) });
    }
  }

  /** Entries read so far. */
  get length(): number {
    return this.entries.length;
  }

  /** The last moment the log reaches. */
  get endMs(): number {
    return this.entries[this.entries.length - 1]?.atMs ?? this.startMs;
  }

  get durationMs(): number {
    return this.endMs - this.startMs;
  }

  /** The state at the moment shown (do not change it). */
  get state(): PuzzleState {
    return this.current;
  }

  /** Entries applied to reach the moment shown. */
  get applied(): number {
    return this.appliedCount;
  }

  /** The time of the moment shown: its last entry's. */
  get atMs(): number {
    return this.appliedCount === 0 ? this.startMs : this.entries[this.appliedCount - 1]!.atMs;
  }

  /** Index into `players` of who placed `pieceId` by the moment shown, or -1. */
  placerOf(pieceId: number): number {
    return this.placer[pieceId]!;
  }

  /** Pieces placed by each player by the moment shown, as the room counted them. */
  placedBy(playerId: string): number {
    return this.current.placedBy.get(playerId) ?? 0;
  }

  /**
   * Moves to the last entry at or before `atMs` (the whole log past its end):
   * forwards entry by entry, backwards from the nearest keyframe.
   */
  seek(atMs: number): void {
    let target = this.appliedCount;
    while (target < this.entries.length && this.entries[target]!.atMs <= atMs) target++;
    while (target > 0 && this.entries[target - 1]!.atMs > atMs) target--;
    this.seekEntry(target);
  }

  /** Moves to the moment after `applied` entries. */
  seekEntry(applied: number): void {
    const target = Math.max(0, Math.min(this.entries.length, applied));
    if (target < this.appliedCount || target - this.appliedCount > KEYFRAME_ENTRIES) {
      let keyframe = this.keyframes[0]!;
      for (const candidate of this.keyframes) if (candidate.applied <= target) keyframe = candidate;
      if (target < this.appliedCount || keyframe.applied > this.appliedCount) {
        this.current = clonePuzzle(keyframe.state);
        this.placer = new Int16Array(keyframe.placer);
        this.appliedCount = keyframe.applied;
        this.jumped = true;
        this.holdsChanged = true;
      }
    }
    while (this.appliedCount < target) {
      const entry = this.entries[this.appliedCount]!;
      const step = this.step(this.current, this.placer, entry, this.appliedCount);
      this.appliedCount++;
      for (const id of step.changedPieces) this.changed.add(id);
      if (step.changedHolds.length > 0) this.holdsChanged = true;
    }
  }

  /**
   * Moves the pieces that changed since the last call into `into`; true when
   * the moment jumped (every piece may have changed: draw them where they are).
   */
  takeChanged(into: Set<number>): boolean {
    const jumped = this.jumped;
    if (jumped) for (let id = 0; id < this.current.pieces.length; id++) into.add(id);
    else for (const id of this.changed) into.add(id);
    this.changed.clear();
    this.jumped = false;
    return jumped;
  }

  /** True once after holds changed (outlines need redrawing). */
  takeHoldsChanged(): boolean {
    const changed = this.holdsChanged;
    this.holdsChanged = false;
    return changed;
  }

  /** Pieces on the board at `atMs`, from the curve. */
  lockedAt(atMs: number): number {
    let locked = this.curve[0]!.locked;
    for (const point of this.curve) {
      if (point.atMs > atMs) break;
      locked = point.locked;
    }
    return locked;
  }

  private step(state: PuzzleState, placer: Int16Array, entry: LogEntry, index: number): ReturnType<typeof applyLogEntry> {
    const step = applyLogEntry(state, entry, index);
    if (step.placed > 0 && entry.kind === "action") {
      // Whoever's drop first joined a piece to a neighbour or to the board put it in place.
      const who = this.indexOf(entry.playerId);
      for (const id of step.changedPieces) {
        const piece = state.pieces[id]!;
        if (placer[id] === NOBODY && (piece.locked || groupMembers(state, piece.group).length > 1)) placer[id] = who;
      }
    }
    return step;
  }

  private indexOf(playerId: string): number {
    let index = this.playerIndex.get(playerId);
    if (index === undefined) {
      index = this.players.length;
      this.players.push(playerId);
      this.playerIndex.set(playerId, index);
    }
    return index;
  }
}
