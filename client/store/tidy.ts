/**
 * Where "gather loose pieces" and "sort edge pieces" put things: free slots on
 * the table around the board, spaced so that laid-out pieces never snap to each
 * other. The moves themselves go through the protocol like any drag.
 */
import { boardRect, isEdgePiece, type PuzzleSpec } from "../../shared/puzzle-spec.ts";
import { TAB_REACH_FRACTION } from "../../shared/piece-shapes.ts";
import { SNAP_RADIUS_PX } from "../../shared/rules.ts";
import type { PuzzleState } from "../../shared/puzzle-state.ts";

export type TidyKind = "gather" | "edges";

export interface TidyMove {
  pieceId: number;
  x: number;
  y: number;
}

/**
 * Distance between laid-out cells: room for both tabs, and never within a snap
 * radius of the offset at which two neighbours fit, so laid-out pieces stay apart.
 */
function slotStep(size: number): number {
  return Math.ceil(Math.max(size * (1 + 2 * TAB_REACH_FRACTION), size + SNAP_RADIUS_PX) + 2);
}

/**
 * The slot grid's steps and a piece's reach (table px). Where pieces turn,
 * both are square on the longer side: a turned piece's footprint and its
 * turned neighbour offsets swap the two sides.
 */
function slotSteps(spec: PuzzleSpec): { stepX: number; stepY: number; apartX: number; apartY: number } {
  const longer = Math.max(spec.pieceWidth, spec.pieceHeight);
  const width = spec.rotation ? longer : spec.pieceWidth;
  const height = spec.rotation ? longer : spec.pieceHeight;
  return { stepX: slotStep(width), stepY: slotStep(height), apartX: width * (1 + 2 * TAB_REACH_FRACTION), apartY: height * (1 + 2 * TAB_REACH_FRACTION) };
}

interface Slot {
  x: number;
  y: number;
  /** Column and row in the grid of slots. */
  col: number;
  row: number;
}

/** Cells on the table outside the board (slotSteps apart), in the order they should fill. */
function slots(spec: PuzzleSpec, edgesOnTop: boolean): Slot[] {
  const { stepX, stepY } = slotSteps(spec);
  const board = boardRect(spec);
  const boardRight = board.x + board.width;
  const boardBottom = board.y + board.height;
  const centreX = (spec.boardX + boardRight) / 2;
  const centreY = (spec.boardY + boardBottom) / 2;
  const result: Array<Slot & { distance: number }> = [];
  for (let row = 0, y = stepY / 3; y + spec.pieceHeight < spec.tableHeight; row++, y += stepY) {
    for (let col = 0, x = stepX / 3; x + spec.pieceWidth < spec.tableWidth; col++, x += stepX) {
      const clearOfBoard =
        x + spec.pieceWidth + stepX / 2 < spec.boardX ||
        x - stepX / 2 > boardRight ||
        y + spec.pieceHeight + stepY / 2 < spec.boardY ||
        y - stepY / 2 > boardBottom;
      if (!clearOfBoard) continue;
      // Nearest the board first; for edges, the band above the board comes before anything else.
      const near = Math.hypot((x - centreX) / spec.tableWidth, (y - centreY) / spec.tableHeight);
      const aboveBoard = y + spec.pieceHeight < spec.boardY;
      const distance = edgesOnTop && aboveBoard ? -1e9 + (spec.boardY - y) * spec.tableWidth + x : near;
      result.push({ x: Math.round(x), y: Math.round(y), col, row, distance });
    }
  }
  return result.sort((a, b) => a.distance - b.distance);
}

const slotKey = (col: number, row: number) => `${col},${row}`;

/** A move with the key of the slot it lands on. */
interface SlotMove extends TidyMove {
  slot: string;
}

/**
 * The slots (by key) a piece lying at (x, y) covers or could snap to: two
 * cells stay apart when they are a cell and both tabs apart on some axis. The
 * slots are a regular grid, so only the few within reach are looked at.
 */
function slotsReached(spec: PuzzleSpec, x: number, y: number): string[] {
  const { stepX, stepY, apartX, apartY } = slotSteps(spec);
  // Slot corners are at stepX / 3 + col * stepX, rounded: one more column either side covers the rounding.
  const firstCol = Math.floor((x - apartX - stepX / 3) / stepX) - 1;
  const lastCol = Math.ceil((x + apartX - stepX / 3) / stepX) + 1;
  const firstRow = Math.floor((y - apartY - stepY / 3) / stepY) - 1;
  const lastRow = Math.ceil((y + apartY - stepY / 3) / stepY) + 1;
  const keys: string[] = [];
  for (let row = firstRow; row <= lastRow; row++) {
    for (let col = firstCol; col <= lastCol; col++) {
      const slotX = Math.round(stepX / 3 + col * stepX);
      const slotY = Math.round(stepY / 3 + row * stepY);
      if (Math.abs(slotX - x) < apartX && Math.abs(slotY - y) < apartY) keys.push(slotKey(col, row));
    }
  }
  return keys;
}

type Placement = { pieceId: number; slot: Slot };

/** The slots of `from` that none of `pieces` covers or could snap to. */
function clearOf(spec: PuzzleSpec, from: readonly Slot[], state: PuzzleState, pieces: Iterable<number>): Slot[] {
  const blocked = new Set<string>();
  for (const id of pieces) for (const key of slotsReached(spec, state.pieces[id]!.x, state.pieces[id]!.y)) blocked.add(key);
  return from.filter((slot) => !blocked.has(slotKey(slot.col, slot.row)));
}

/**
 * Lays `movers` (in order) on the first of `free`. A mover already lying on a
 * free slot keeps it. When there are more movers than slots, some must stay
 * where they are, and a piece that stays takes up the slots it covers: those
 * chosen to stay are, one at a time, the ones that cost the fewest slots
 * (among equals, the last in order), until the rest fit.
 */
function layOut(spec: PuzzleSpec, state: PuzzleState, movers: number[], free: Slot[]): { placed: Placement[]; left: number[] } {
  const byKey = new Map(free.map((slot) => [slotKey(slot.col, slot.row), slot]));
  const available = new Set(byKey.keys());
  const placed: Placement[] = [];
  let remaining: number[] = [];
  for (const id of movers) {
    const piece = state.pieces[id]!;
    const own = free.find((slot) => slot.x === piece.x && slot.y === piece.y);
    const key = own && slotKey(own.col, own.row);
    if (own && key && available.has(key)) {
      available.delete(key);
      placed.push({ pieceId: id, slot: own });
    } else remaining.push(id);
  }
  const reach = new Map(remaining.map((id) => [id, slotsReached(spec, state.pieces[id]!.x, state.pieces[id]!.y).filter((key) => byKey.has(key))]));
  const left: number[] = [];
  while (remaining.length > available.size) {
    let stayer = remaining[remaining.length - 1]!;
    let cost = Number.POSITIVE_INFINITY;
    for (let index = remaining.length - 1; index >= 0; index--) {
      const id = remaining[index]!;
      const lost = reach.get(id)!.filter((key) => available.has(key)).length;
      if (lost < cost) {
        stayer = id;
        cost = lost;
      }
    }
    left.push(stayer);
    remaining = remaining.filter((id) => id !== stayer);
    for (const key of reach.get(stayer)!) available.delete(key);
  }
  const open = free.filter((slot) => available.has(slotKey(slot.col, slot.row)));
  return { placed: [...placed, ...remaining.map((pieceId, index) => ({ pieceId, slot: open[index]! }))], left };
}

/**
 * Drops every placement on a slot a piece that does not move covers or could
 * snap to; each dropped piece then stays, so this repeats until none is left.
 * What it returns lays pieces only on free table, whatever the layout assumed.
 */
function onFreeTable(spec: PuzzleSpec, state: PuzzleState, placed: Placement[]): Placement[] {
  let kept = placed;
  for (;;) {
    const moving = new Set(kept.map(({ pieceId }) => pieceId));
    const stationary: number[] = [];
    state.pieces.forEach((piece, id) => {
      if (!piece.locked && !moving.has(id)) stationary.push(id);
    });
    const blocked = new Set<string>();
    for (const id of stationary) for (const key of slotsReached(spec, state.pieces[id]!.x, state.pieces[id]!.y)) blocked.add(key);
    const next = kept.filter(({ slot }) => !blocked.has(slotKey(slot.col, slot.row)));
    if (next.length === kept.length) return kept;
    kept = next;
  }
}

/**
 * Plans the moves: every loose single piece (not in a group, not locked, not
 * held) for "gather", or the loose edge pieces, laid out in rows above the
 * board (then around it when those rows are full), for "edges". Pieces are laid
 * only on free table: never on, or where they could snap to, a piece that does
 * not move (a group, a held piece, a piece there is no slot for). For "edges",
 * a loose non-edge piece lying on a slot an edge piece gets is moved aside to a
 * free slot further out, so the rows stay rows; edge pieces whose slot cannot
 * be cleared take the free slots left, and on a table too crowded for that
 * the non-edge pieces are laid out after the edge pieces, as "gather" does. Pieces that vacate a slot another piece
 * gets move first; pieces already on their slot are left where they are.
 */
export function planTidy(state: PuzzleState, kind: TidyKind): TidyMove[] {
  const { spec } = state;
  const groupSizes = new Map<number, number>();
  for (const piece of state.pieces) groupSizes.set(piece.group, (groupSizes.get(piece.group) ?? 0) + 1);
  const fixed: number[] = [];
  const edges: number[] = [];
  const others: number[] = [];
  state.pieces.forEach((piece, id) => {
    if (piece.locked) return;
    if (groupSizes.get(piece.group) !== 1 || state.holds.has(piece.group)) fixed.push(id);
    else (isEdgePiece(spec, id) ? edges : others).push(id);
  });
  const free = clearOf(spec, slots(spec, kind === "edges"), state, fixed);
  // Edge pieces first: "gather" lays the frame pieces nearest the board, and
  // the same layout is how "edges" sorts a table too crowded to move only what is in the way.
  const everyone = onFreeTable(spec, state, layOut(spec, state, [...edges, ...others], free).placed);
  let placed = everyone;
  if (kind === "edges") {
    const aside = onFreeTable(spec, state, edgesAside(spec, state, edges, others, free));
    const edgesIn = (plan: Placement[]) => plan.filter(({ pieceId }) => isEdgePiece(spec, pieceId)).length;
    placed = edgesIn(aside) >= edgesIn(everyone) ? aside : everyone;
  }
  const moves: SlotMove[] = [];
  for (const { pieceId, slot } of placed) {
    const piece = state.pieces[pieceId]!;
    if (piece.x !== slot.x || piece.y !== slot.y) moves.push({ pieceId, x: slot.x, y: slot.y, slot: slotKey(slot.col, slot.row) });
  }
  return vacatersFirst(spec, state, moves);
}

/**
 * "Edges" with the non-edge pieces in the way moved aside: the edge pieces
 * take the first free slots, and the loose pieces lying on those move to the
 * slots beyond that nothing else lies on, as far as there are some. Edge
 * pieces whose slot stays blocked then try the slots still free.
 */
function edgesAside(spec: PuzzleSpec, state: PuzzleState, edges: number[], others: number[], free: Slot[]): Placement[] {
  const { placed } = layOut(spec, state, edges, free);
  const edgeSlots = new Set(placed.map(({ slot }) => slotKey(slot.col, slot.row)));
  const inTheWay = others.filter((id) => slotsReached(spec, state.pieces[id]!.x, state.pieces[id]!.y).some((key) => edgeSlots.has(key)));
  const moved = new Set(inTheWay);
  const beyond = clearOf(
    spec,
    free.filter((slot) => !edgeSlots.has(slotKey(slot.col, slot.row))),
    state,
    others.filter((id) => !moved.has(id)),
  );
  const aside = inTheWay.slice(0, beyond.length).map((pieceId, index) => ({ pieceId, slot: beyond[index]! }));
  const kept = onFreeTable(spec, state, [...placed, ...aside]);
  // Edge pieces that lost their slot: the free slots nothing lies on now, in order.
  const keptIds = new Set(kept.map(({ pieceId }) => pieceId));
  const taken = new Set(kept.map(({ slot }) => slotKey(slot.col, slot.row)));
  const stationary = state.pieces.flatMap((piece, id) => (!piece.locked && !keptIds.has(id) ? [id] : []));
  const rest = clearOf(spec, free.filter((slot) => !taken.has(slotKey(slot.col, slot.row))), state, stationary);
  const unplaced = edges.filter((id) => !keptIds.has(id));
  return [...kept, ...unplaced.slice(0, rest.length).map((pieceId, index) => ({ pieceId, slot: rest[index]! }))];
}

/**
 * Orders the moves so that a piece lying where another lands has left before
 * it arrives (depth first: whoever blocks a move's slot goes before it; a ring
 * of pieces taking each other's places is broken where it closes). Otherwise
 * the layout's order holds.
 */
function vacatersFirst(spec: PuzzleSpec, state: PuzzleState, moves: SlotMove[]): TidyMove[] {
  const blockersOf = new Map<string, SlotMove[]>();
  for (const move of moves) {
    const piece = state.pieces[move.pieceId]!;
    for (const key of slotsReached(spec, piece.x, piece.y)) {
      if (key === move.slot) continue;
      const list = blockersOf.get(key);
      if (list) list.push(move);
      else blockersOf.set(key, [move]);
    }
  }
  const ordered: TidyMove[] = [];
  const visited = new Set<number>();
  const visit = (move: SlotMove) => {
    if (visited.has(move.pieceId)) return;
    visited.add(move.pieceId);
    for (const blocker of blockersOf.get(move.slot) ?? []) visit(blocker);
    ordered.push({ pieceId: move.pieceId, x: move.x, y: move.y });
  };
  for (const move of moves) visit(move);
  return ordered;
}
