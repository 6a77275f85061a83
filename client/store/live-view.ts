/**
 * The view: the replica with this player's unconfirmed actions and unsent drag
 * replayed on it by the shared rules. It lives in a PuzzleState of its own that
 * differs from the replica only where those apply. A derivation puts back the
 * pieces the previous replay changed and the pieces a batch changed, then
 * replays the pending actions, each of which touches only its group and what it
 * snaps to; so its cost follows the change, never the size of the puzzle.
 *
 * It also keeps what the scene has not seen yet: pieces whose position, group,
 * lock or rotation changed, or that started or stopped following this player's pointer;
 * pieces that joined a group or locked (snap flashes); and whether holds changed.
 */
import { applyAction, move } from "../../shared/rules.ts";
import { clonePuzzle, groupMembers, heldGroupOf, setPiece, type PuzzleState } from "../../shared/puzzle-state.ts";
import type { Replica } from "../../shared/replica.ts";
import type { Drag } from "./drag-intent.ts";
import type { PendingAction } from "./pending-actions.ts";

/** How a changed piece gets to its new place on screen. */
export type Motion = "follow" | "snap" | "glide";

export class LiveView {
  private view: PuzzleState;
  /** Pieces where the view differs from the replica: what the last replay changed. */
  private overlay = new Set<number>();
  private spare = new Set<number>();
  private readonly touched = new Set<number>();
  /** The next derivation compares every piece (the view was rebuilt from a new replica). */
  private everything = false;
  /** Per piece, what the scene was last told. */
  private readonly shownX: Float64Array;
  private readonly shownY: Float64Array;
  private readonly shownGroup: Int32Array;
  private readonly shownLocked: Uint8Array;
  private readonly shownRotation: Uint8Array;
  private readonly changed = new Set<number>();
  private readonly snaps: number[] = [];
  private holdsChanged = true;
  private fresh = true;
  /** Pieces the player's last drop moved (and pieces that locked since): they ease into place. */
  private snapping = new Set<number>();
  private myGroup: number | undefined;
  private following = false;

  /** A view of a puzzle the scene has not drawn yet: every piece is new. */
  constructor(replica: Replica) {
    this.view = clonePuzzle(replica.puzzle);
    const count = this.view.pieces.length;
    this.shownX = new Float64Array(count);
    this.shownY = new Float64Array(count);
    this.shownGroup = new Int32Array(count);
    this.shownLocked = new Uint8Array(count);
    this.shownRotation = new Uint8Array(count);
    this.view.pieces.forEach((piece, id) => {
      this.shownX[id] = piece.x;
      this.shownY[id] = piece.y;
      this.shownGroup[id] = piece.group;
      this.shownLocked[id] = piece.locked ? 1 : 0;
      this.shownRotation[id] = piece.rotation;
      this.changed.add(id);
    });
  }

  get state(): PuzzleState {
    return this.view;
  }

  /** The group this player holds in the view, as of the last derivation. */
  get heldGroup(): number | undefined {
    return this.myGroup;
  }

  /** The same puzzle from a new replica (a welcome after a reconnect): the scene glides to it. */
  rebase(replica: Replica): void {
    this.view = clonePuzzle(replica.puzzle);
    this.overlay.clear();
    this.everything = true;
  }

  /**
   * Brings the view up to date: `batchChanged` are the pieces the replica took
   * from a batch since the last derivation; `pending`, in order, and the
   * drag's unsent position are replayed on top.
   */
  derive(replica: Replica, pending: readonly PendingAction[], drag: Readonly<Drag> | null, myId: string, nowMs: number, batchChanged: Iterable<number>): void {
    const view = this.view;
    const source = replica.puzzle;
    const touched = this.touched;
    const hadHolds = view.holds.size > 0;
    touched.clear();
    if (this.everything) {
      for (let id = 0; id < view.pieces.length; id++) touched.add(id);
      this.everything = false;
    } else {
      for (const id of this.overlay) touched.add(id);
      for (const id of batchChanged) touched.add(id);
      for (const id of touched) {
        const piece = source.pieces[id];
        if (piece) setPiece(view, id, piece.x, piece.y, piece.group, piece.locked, piece.rotation);
      }
    }
    // Holds are one per player at most: copied whole, and copied because the rules renew leases in place.
    view.holds.clear();
    for (const [group, hold] of source.holds) view.holds.set(group, { ...hold });
    view.placedBy = new Map(source.placedBy);
    view.version = source.version;
    view.completedAtMs = source.completedAtMs;

    const overlay = this.spare;
    overlay.clear();
    for (const action of pending) {
      const result = applyAction(view, myId, action.message, nowMs);
      if (!result.ok) continue;
      for (const id of result.changedPieces) overlay.add(id);
    }
    if (drag?.unsent) {
      const result = move(view, myId, drag.pieceId, drag.x, drag.y, nowMs);
      if (result.ok) for (const id of result.changedPieces) overlay.add(id);
    }
    this.spare = this.overlay;
    this.overlay = overlay;
    for (const id of overlay) touched.add(id);

    const myGroup = heldGroupOf(view, myId);
    const following = drag !== null;
    if (myGroup !== this.myGroup || following !== this.following) {
      // Pieces that start or stop following the pointer are drawn differently from now on.
      for (const group of [this.myGroup, myGroup]) if (group !== undefined) for (const id of groupMembers(view, group)) this.changed.add(id);
      this.myGroup = myGroup;
      this.following = following;
    }
    this.report(touched);
    if (hadHolds || view.holds.size > 0) this.holdsChanged = true;
  }

  /** Moves the pieces changed since the last call into `into`; true when they are a new puzzle's (draw them where they are). */
  takeChanges(into: Set<number>): boolean {
    for (const id of this.changed) into.add(id);
    this.changed.clear();
    const fresh = this.fresh;
    this.fresh = false;
    return fresh;
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

  /** How a piece should reach its place: under the pointer it follows exactly; a snap eases in; the rest glide. */
  motionOf(id: number): Motion {
    if (this.following && this.myGroup !== undefined && this.view.pieces[id]?.group === this.myGroup) return "follow";
    return this.snapping.has(id) ? "snap" : "glide";
  }

  /** The player dropped this piece: its group eases into its snapped place. */
  dropped(pieceId: number): void {
    const piece = this.view.pieces[pieceId];
    this.snapping = new Set(piece ? groupMembers(this.view, piece.group) : []);
  }

  /** Tidying moves pieces far: they glide like anyone's. */
  tidying(): void {
    this.snapping.clear();
  }

  private report(touched: ReadonlySet<number>): void {
    const pieces = this.view.pieces;
    for (const id of touched) {
      const piece = pieces[id];
      if (!piece) continue;
      const locked = piece.locked ? 1 : 0;
      const wasGroup = this.shownGroup[id]!;
      const wasLocked = this.shownLocked[id]!;
      if (wasGroup !== piece.group || wasLocked !== locked) {
        if (wasLocked !== locked) this.snapping.add(id);
        // Joining a group gives it the smaller id; a lock only ever appears. Anything else is an undo.
        const joined = piece.group < wasGroup || (locked === 1 && wasLocked === 0);
        if (joined && this.snaps.length < pieces.length) this.snaps.push(id);
        this.shownGroup[id] = piece.group;
        this.shownLocked[id] = locked;
        this.changed.add(id);
      }
      if (this.shownX[id] !== piece.x || this.shownY[id] !== piece.y || this.shownRotation[id] !== piece.rotation) {
        this.shownX[id] = piece.x;
        this.shownY[id] = piece.y;
        this.shownRotation[id] = piece.rotation;
        this.changed.add(id);
      }
    }
  }
}
