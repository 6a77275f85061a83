/**
 * The puzzle's rules as functions over a PuzzleState. They change only the state
 * they are given, read no clock (the caller passes `nowMs`) and never throw for a
 * bad request: a rejection carries a reason instead.
 */
import { groupMembers, heldGroupOf, mergeGroups, setGroupLocked, type PuzzleState } from "./puzzle-state.ts";
import { neighboursOf, pieceCountOf, solvedPosition } from "./puzzle-spec.ts";
import type { PuzzleAction, RejectReason } from "./protocol.ts";
import { footprint, isRotation, neighbourOffset, shiftOntoTable, turnsBetween, turnVector, type Box } from "./rotation.ts";

/** How long a grab lasts without a move or drop to renew it. */
export const GRAB_LEASE_MS = 10_000;
/** How close (in table pixels) a piece must come to where it fits to snap there. */
export const SNAP_RADIUS_PX = 20;

export type { RejectReason } from "./protocol.ts";

export interface Applied {
  ok: true;
  /** Pieces whose position, group or lock changed. */
  changedPieces: number[];
  /** Groups whose hold changed (taken or released). */
  changedHolds: number[];
  /** Pieces the action connected to a neighbour or to the board. */
  placed: number;
  /** True when this action completed the puzzle. */
  completed: boolean;
}

export interface Rejected {
  ok: false;
  reason: RejectReason;
}

export type RuleResult = Applied | Rejected;

const reject = (reason: RejectReason): Rejected => ({ ok: false, reason });

/**
 * The one action path: the room, the stateless function and the client's
 * replay of its own unconfirmed actions all apply a player's action through here.
 */
export function applyAction(state: PuzzleState, playerId: string, action: PuzzleAction, nowMs: number): RuleResult {
  switch (action.type) {
    case "grab":
      return grab(state, playerId, action.pieceId, nowMs);
    case "move":
      return move(state, playerId, action.pieceId, action.x, action.y, nowMs);
    case "drop":
      return drop(state, playerId, action.pieceId, action.x, action.y, nowMs);
    case "rotate":
      return rotate(state, playerId, action.pieceId, action.rotation, nowMs);
    default: {
      const unreachable: never = action;
      return unreachable;
    }
  }
}

function applied(changedPieces: number[], changedHolds: number[], placed = 0, completed = false): Applied {
  return { ok: true, changedPieces, changedHolds, placed, completed };
}

/** Coordinates beyond a whole table away from the table are nonsense, not drags. */
function inRange(state: PuzzleState, x: number, y: number): boolean {
  const { tableWidth, tableHeight } = state.spec;
  return (
    Number.isFinite(x) &&
    Number.isFinite(y) &&
    x >= -tableWidth &&
    x <= 2 * tableWidth &&
    y >= -tableHeight &&
    y <= 2 * tableHeight
  );
}

/** Checks the request names a real, loose piece that `playerId` currently holds. */
function checkHolding(state: PuzzleState, playerId: string, pieceId: number, nowMs: number): RejectReason | null {
  if (state.completedAtMs !== null) return "puzzle-complete";
  const piece = state.pieces[pieceId];
  if (!Number.isInteger(pieceId) || !piece) return "no-such-piece";
  if (piece.locked) return "piece-locked";
  const hold = state.holds.get(piece.group);
  if (!hold || hold.expiresAtMs < nowMs) return "not-holding";
  if (hold.playerId !== playerId) return "held-by-other";
  return null;
}

/**
 * Takes exclusive hold of the group containing `pieceId` for GRAB_LEASE_MS.
 * A player holds one group at a time: grabbing another releases the first.
 */
export function grab(state: PuzzleState, playerId: string, pieceId: number, nowMs: number): RuleResult {
  if (state.completedAtMs !== null) return reject("puzzle-complete");
  const piece = state.pieces[pieceId];
  if (!Number.isInteger(pieceId) || !piece) return reject("no-such-piece");
  if (piece.locked) return reject("piece-locked");
  const hold = state.holds.get(piece.group);
  if (hold && hold.playerId !== playerId && hold.expiresAtMs >= nowMs) return reject("held-by-other");
  const changedHolds: number[] = [];
  const previous = heldGroupOf(state, playerId);
  if (previous !== undefined && previous !== piece.group) {
    state.holds.delete(previous);
    changedHolds.push(previous);
  }
  state.holds.set(piece.group, { playerId, pieceId, expiresAtMs: nowMs + GRAB_LEASE_MS });
  changedHolds.push(piece.group);
  state.version++;
  return applied([], changedHolds);
}

/**
 * Moves the held group so that `pieceId`'s cell starts at (x, y), keeping the
 * whole group on the table, and renews the lease.
 */
export function move(state: PuzzleState, playerId: string, pieceId: number, x: number, y: number, nowMs: number): RuleResult {
  const problem = checkHolding(state, playerId, pieceId, nowMs);
  if (problem) return reject(problem);
  if (!inRange(state, x, y)) return reject("out-of-range");
  const group = state.pieces[pieceId]!.group;
  const changedPieces = placeGroup(state, group, pieceId, x, y);
  state.holds.get(group)!.expiresAtMs = nowMs + GRAB_LEASE_MS;
  state.version++;
  return applied(changedPieces, []);
}

/**
 * Turns the held group about `pieceId`'s centre until that piece has `rotation`
 * quarter turns (shared/rotation.ts), keeping the whole group on the table, and
 * renews the lease. Only in a room with rotation on.
 */
export function rotate(state: PuzzleState, playerId: string, pieceId: number, rotation: number, nowMs: number): RuleResult {
  if (!state.spec.rotation) return reject("rotation-off");
  const problem = checkHolding(state, playerId, pieceId, nowMs);
  if (problem) return reject(problem);
  if (!isRotation(rotation)) return reject("bad-rotation");
  const pivot = state.pieces[pieceId]!;
  const group = pivot.group;
  const members = groupMembers(state, group);
  const turns = turnsBetween(pivot.rotation, rotation);
  const changedPieces: number[] = [];
  if (turns !== 0) {
    for (const id of members) {
      const piece = state.pieces[id]!;
      const offset = turnVector(piece.x - pivot.x, piece.y - pivot.y, turns);
      piece.x = pivot.x + offset.x;
      piece.y = pivot.y + offset.y;
      piece.rotation = rotation;
    }
    // Turned, the group may reach past the table's edge: it is pushed back on whole.
    const shift = shiftOntoTable(state.spec, groupBounds(state, members), 0, 0);
    for (const id of members) {
      const piece = state.pieces[id]!;
      piece.x += shift.x;
      piece.y += shift.y;
    }
    changedPieces.push(...members);
  }
  state.holds.get(group)!.expiresAtMs = nowMs + GRAB_LEASE_MS;
  state.version++;
  return applied(changedPieces, []);
}

/**
 * Puts the held group down at (x, y), snaps it to fitting neighbours and to the
 * board, and releases the hold. Completes the puzzle when every piece is locked.
 */
export function drop(state: PuzzleState, playerId: string, pieceId: number, x: number, y: number, nowMs: number): RuleResult {
  const problem = checkHolding(state, playerId, pieceId, nowMs);
  if (problem) return reject(problem);
  if (!inRange(state, x, y)) return reject("out-of-range");
  const heldGroup = state.pieces[pieceId]!.group;
  // Neighbours whose holder's lease ran out are free to join, so end those holds first.
  const expired = expireLeases(state, nowMs);
  const changed = new Set(placeGroup(state, heldGroup, pieceId, x, y));
  state.holds.delete(heldGroup);
  const movedCount = groupMembers(state, heldGroup).length;

  const snappedGroup = snapToNeighbours(state, heldGroup, changed);
  const merged = snappedGroup !== heldGroup || groupMembers(state, snappedGroup).length !== movedCount;
  const locked = !state.pieces[pieceId]!.locked && snapToBoard(state, snappedGroup, changed);
  const placed = merged || locked ? movedCount : 0;
  if (placed > 0) state.placedBy.set(playerId, (state.placedBy.get(playerId) ?? 0) + placed);

  let completed = false;
  if (state.lockedPieces === state.pieces.length) {
    state.completedAtMs = nowMs;
    completed = true;
  }
  state.version++;
  return applied([...changed].sort((a, b) => a - b), [heldGroup, ...expired], placed, completed);
}

/** Releases whatever `playerId` holds (on disconnect). Returns the released groups. */
export function releasePlayer(state: PuzzleState, playerId: string): number[] {
  const released: number[] = [];
  for (const [group, hold] of state.holds) {
    if (hold.playerId === playerId) {
      state.holds.delete(group);
      released.push(group);
    }
  }
  if (released.length > 0) state.version++;
  return released;
}

/** Ends every hold whose lease ran out before `nowMs`. Returns the released groups. */
export function expireLeases(state: PuzzleState, nowMs: number): number[] {
  const released: number[] = [];
  for (const [group, hold] of state.holds) {
    if (hold.expiresAtMs < nowMs) {
      state.holds.delete(group);
      released.push(group);
    }
  }
  if (released.length > 0) state.version++;
  return released;
}

/** The box the footprints of `members` (one group, so one rotation) cover on the table. */
function groupBounds(state: PuzzleState, members: readonly number[]): Box {
  const box = footprint(state.spec, state.pieces[members[0]!]!.rotation);
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const id of members) {
    const piece = state.pieces[id]!;
    minX = Math.min(minX, piece.x);
    minY = Math.min(minY, piece.y);
    maxX = Math.max(maxX, piece.x);
    maxY = Math.max(maxY, piece.y);
  }
  return { left: minX + box.left, top: minY + box.top, right: maxX + box.right, bottom: maxY + box.bottom };
}

/**
 * Moves every piece of `group` by the offset that brings `anchorId` to (x, y),
 * clamped so the whole group stays on the table. Returns the pieces moved.
 */
function placeGroup(state: PuzzleState, group: number, anchorId: number, x: number, y: number): number[] {
  const members = groupMembers(state, group);
  const anchor = state.pieces[anchorId]!;
  const { x: dx, y: dy } = shiftOntoTable(state.spec, groupBounds(state, members), Math.round(x) - anchor.x, Math.round(y) - anchor.y);
  if (dx === 0 && dy === 0) return [];
  for (const id of members) {
    const piece = state.pieces[id]!;
    piece.x += dx;
    piece.y += dy;
  }
  return [...members];
}

/**
 * Joins `group` to every neighbouring group (not held by anyone, turned the
 * same way) whose fitting piece lies within SNAP_RADIUS_PX of where it belongs,
 * aligning exactly. Returns the id of the resulting group.
 */
function snapToNeighbours(state: PuzzleState, group: number, changed: Set<number>): number {
  const { spec } = state;
  let current = group;
  for (;;) {
    let best: { dx: number; dy: number; other: number; distance: number } | undefined;
    for (const id of groupMembers(state, current)) {
      const piece = state.pieces[id]!;
      for (const { id: neighbourId, dRow, dCol } of neighboursOf(spec, id)) {
        const neighbour = state.pieces[neighbourId]!;
        if (neighbour.group === current || neighbour.rotation !== piece.rotation || state.holds.has(neighbour.group)) continue;
        const fits = neighbourOffset(spec, dRow, dCol, piece.rotation);
        const dx = neighbour.x - fits.x - piece.x;
        const dy = neighbour.y - fits.y - piece.y;
        const distance = Math.hypot(dx, dy);
        if (distance <= SNAP_RADIUS_PX && (!best || distance < best.distance)) {
          best = { dx, dy, other: neighbour.group, distance };
        }
      }
    }
    if (!best) return current;
    const members = groupMembers(state, current);
    const others = groupMembers(state, best.other);
    const joined = Math.min(current, best.other);
    // A group is locked or loose as a whole.
    const currentLocked = state.pieces[members[0]!]!.locked;
    const locked = currentLocked || state.pieces[others[0]!]!.locked;
    // Locked pieces never leave their spot: once the dropped group has joined a
    // locked one, further neighbours are brought to it instead.
    const [moving, sign] = currentLocked ? [others, -1] : [members, 1];
    for (const id of moving) {
      const piece = state.pieces[id]!;
      piece.x += sign * best.dx;
      piece.y += sign * best.dy;
    }
    for (const id of members) changed.add(id);
    for (const id of others) changed.add(id);
    mergeGroups(state, joined === current ? best.other : current, joined);
    setGroupLocked(state, joined, locked);
    current = joined;
  }
}

/**
 * Locks the group on the board when it is upright and lies within
 * SNAP_RADIUS_PX of its solved position, or holds every piece. Returns true
 * when it locked.
 */
function snapToBoard(state: PuzzleState, group: number, changed: Set<number>): boolean {
  const { spec } = state;
  const members = groupMembers(state, group);
  const first = members[0]!;
  const piece = state.pieces[first]!;
  if (piece.rotation !== 0) return false;
  const target = solvedPosition(spec, first);
  const dx = target.x - piece.x;
  const dy = target.y - piece.y;
  if (Math.hypot(dx, dy) > SNAP_RADIUS_PX && members.length < pieceCountOf(spec)) return false;
  for (const id of members) {
    const member = state.pieces[id]!;
    member.x += dx;
    member.y += dy;
    changed.add(id);
  }
  setGroupLocked(state, group, true);
  return true;
}
