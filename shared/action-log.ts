/**
 * The action log: every change the room makes to its puzzle, in order, as pure
 * data, so that a replay from the seeded start (or a checkpoint) through the
 * same rules lands exactly on the room's state (log-replay.ts). An entry is an
 * action the room applied (through `applyAction`) or one of the changes that are
 * not actions but change what later actions do: a player's holds released on
 * disconnect, leases that ran out, a lease a still move did not renew (the
 * room's still-hold window), and the holds a restart forgets.
 *
 * Entries are written in chunks of LOG_CHUNK_ENTRIES, each a compact text that
 * decodes on its own: moves at 30 Hz are most of a log, so a move is about eleven
 * characters. An entry is `<dt><op><player>,<fields>;` where
 *   dt      ms since the chunk's previous entry (the first: since the chunk's `atMs`),
 *   op      g grab, m move, d drop, r rotate, l release, e expire, s restart,
 *           k lease kept short,
 *   player  the acting player's index in the chunk's `players` (actions, releases, leases),
 *   fields  grab: piece; move and drop: piece, dx, dy; rotate: piece, rotation;
 *           lease: piece, the lease's end in ms after the entry's time.
 * A piece is left empty when it is the one the same player last named in the
 * chunk; dx and dy are from the point that player last moved or dropped at in
 * the chunk (0, 0 at first). Coordinates are stored rounded: the rules round
 * them before use, and only what they applied is logged, so nothing is lost.
 */
import * as v from "valibot";
import type { PuzzleAction } from "./protocol.ts";

/** Entries per chunk: a chunk's index range is arithmetic, [n * LOG_CHUNK_ENTRIES, (n + 1) * LOG_CHUNK_ENTRIES). */
export const LOG_CHUNK_ENTRIES = 1_024;

/** One change to the puzzle, with the room's time and, when a player made it, who. */
export type LogEntry =
  | { kind: "action"; atMs: number; playerId: string; action: PuzzleAction }
  /** A disconnected player's holds released (`releasePlayer`). */
  | { kind: "release"; atMs: number; playerId: string }
  /**
   * The hold of `pieceId`'s group, `playerId`'s, ends at `expiresAtMs`: a move
   * that moved nothing after the room's still-hold window did not renew it.
   */
  | { kind: "lease"; atMs: number; playerId: string; pieceId: number; expiresAtMs: number }
  /** Every lease that ran out before `atMs` ended (`expireLeases`). */
  | { kind: "expire"; atMs: number }
  /** The room was rebuilt from storage, which keeps no holds: every hold is gone. */
  | { kind: "restart"; atMs: number };

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** A chunk of entries: the index of its first, its time base, its players and its text. */
export const LogChunkSchema = v.object({
  from: Count,
  atMs: v.pipe(v.number(), v.finite()),
  players: v.array(v.pipe(v.string(), v.minLength(1))),
  text: v.string(),
});
export type LogChunk = v.InferOutput<typeof LogChunkSchema>;

/** A chunk the decoder cannot read: the log is corrupt or from another format. */
export class LogFormatError extends Error {}

const ACTION_OPS = { grab: "g", move: "m", drop: "d", rotate: "r" } as const;

/**
 * Writes one chunk, entry by entry. Encoded entries wait in `pending` until the
 * owner takes them (`takePending`, one storage write's worth), so a flush
 * writes only what is new; the whole chunk stays readable (`chunk`).
 */
export class LogChunkWriter {
  readonly players: string[] = [];
  private readonly playerIndex = new Map<string, number>();
  private readonly lastPiece: number[] = [];
  private readonly lastX: number[] = [];
  private readonly lastY: number[] = [];
  /** Text already taken, in the order taken. */
  private readonly taken: string[] = [];
  private pending: string[] = [];
  /** Players added since the last take. */
  private pendingPlayers = 0;
  private atBaseMs: number | null = null;
  private lastAtMs = 0;
  private textLength = 0;
  /** Entries appended, and of those, taken. */
  count = 0;
  takenCount = 0;

  constructor(readonly from: number) {}

  /** The chunk's time base: its first entry's time. */
  get atMs(): number {
    return this.atBaseMs ?? 0;
  }

  get full(): boolean {
    return this.count >= LOG_CHUNK_ENTRIES;
  }

  /** Characters of text so far (taken and pending). */
  get length(): number {
    return this.textLength;
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  append(entry: LogEntry): void {
    if (this.full) throw new RangeError(`a log chunk holds ${LOG_CHUNK_ENTRIES} entries`);
    if (this.atBaseMs === null) {
      this.atBaseMs = entry.atMs;
      this.lastAtMs = entry.atMs;
    }
    let text = String(entry.atMs - this.lastAtMs);
    this.lastAtMs = entry.atMs;
    switch (entry.kind) {
      case "action":
        text += this.encodeAction(this.indexOf(entry.playerId), entry.action);
        break;
      case "release":
        text += `l${this.indexOf(entry.playerId)}`;
        break;
      case "lease":
        text += `k${this.indexOf(entry.playerId)},${entry.pieceId},${entry.expiresAtMs - entry.atMs}`;
        break;
      case "expire":
        text += "e";
        break;
      case "restart":
        text += "s";
        break;
      default: {
        const unreachable: never = entry;
        return unreachable;
      }
    }
    text += ";";
    this.pending.push(text);
    this.textLength += text.length;
    this.count++;
  }

  /** The text and the players added since the last take; afterwards nothing is pending. */
  takePending(): { text: string; players: string[] } {
    const text = this.pending.join("");
    const players = this.players.slice(this.players.length - this.pendingPlayers);
    this.taken.push(text);
    this.takenCount = this.count;
    this.pending = [];
    this.pendingPlayers = 0;
    return { text, players };
  }

  /** The chunk as taken so far (pending entries are not in it). */
  takenChunk(): LogChunk {
    const players = this.players.slice(0, this.players.length - this.pendingPlayers);
    return { from: this.from, atMs: this.atMs, players, text: this.taken.join("") };
  }

  private indexOf(playerId: string): number {
    let index = this.playerIndex.get(playerId);
    if (index === undefined) {
      index = this.players.length;
      this.players.push(playerId);
      this.playerIndex.set(playerId, index);
      this.lastPiece.push(-1);
      this.lastX.push(0);
      this.lastY.push(0);
      this.pendingPlayers++;
    }
    return index;
  }

  private encodeAction(player: number, action: PuzzleAction): string {
    const piece = action.pieceId === this.lastPiece[player] ? "" : String(action.pieceId);
    this.lastPiece[player] = action.pieceId;
    const head = `${ACTION_OPS[action.type]}${player},${piece}`;
    switch (action.type) {
      case "grab":
        return head;
      case "rotate":
        return `${head},${action.rotation}`;
      case "move":
      case "drop": {
        // Only what the rules use: they round coordinates before anything else.
        const x = Math.round(action.x);
        const y = Math.round(action.y);
        const text = `${head},${x - this.lastX[player]!},${y - this.lastY[player]!}`;
        this.lastX[player] = x;
        this.lastY[player] = y;
        return text;
      }
      default: {
        const unreachable: never = action;
        return unreachable;
      }
    }
  }
}

/** Writes `entries` into a fresh chunk starting at index `from` and returns it whole. */
export function encodeLogChunk(from: number, entries: readonly LogEntry[]): LogChunk {
  const writer = new LogChunkWriter(from);
  for (const entry of entries) writer.append(entry);
  writer.takePending();
  return writer.takenChunk();
}

const ENTRY = /^(-?\d+)([gmdrlesk])(\d*)((?:,-?\d*)*)$/;

/** The entries of a chunk, in order; throws LogFormatError naming the first entry it cannot read. */
export function decodeLogChunk(chunk: LogChunk): LogEntry[] {
  const { text, players } = chunk;
  if (text.length > 0 && !text.endsWith(";")) throw new LogFormatError(`log chunk from ${chunk.from} does not end with an entry's ";"`);
  const parts = text.length > 0 ? text.slice(0, -1).split(";") : [];
  if (parts.length > LOG_CHUNK_ENTRIES) throw new LogFormatError(`log chunk from ${chunk.from} holds ${parts.length} entries, more than ${LOG_CHUNK_ENTRIES}`);
  const lastPiece = players.map(() => -1);
  const lastX = players.map(() => 0);
  const lastY = players.map(() => 0);
  const entries: LogEntry[] = new Array(parts.length);
  let atMs = chunk.atMs;
  for (let index = 0; index < parts.length; index++) {
    const fail = (why: string): never => {
      throw new LogFormatError(`log entry ${chunk.from + index} ("${parts[index]!.slice(0, 40)}"): ${why}`);
    };
    const match = ENTRY.exec(parts[index]!);
    if (!match) return fail("not an entry");
    const [, dt, op, playerText, fieldText] = match as unknown as [string, string, string, string, string];
    atMs += Number(dt);
    const fields = fieldText === "" ? [] : fieldText.slice(1).split(",");
    const arity = (count: number) => {
      if (fields.length !== count) fail(`${count} fields expected, ${fields.length} found`);
    };
    if (op === "e" || op === "s") {
      if (playerText !== "") fail("names a player");
      arity(0);
      entries[index] = { kind: op === "e" ? "expire" : "restart", atMs };
      continue;
    }
    const player = Number(playerText);
    const playerId = playerText === "" ? undefined : players[player];
    if (playerId === undefined) return fail(`player ${playerText || "(none)"} is not among the chunk's ${players.length}`);
    if (op === "l") {
      arity(0);
      entries[index] = { kind: "release", atMs, playerId };
      continue;
    }
    if (op === "k") {
      arity(2);
      if (!/^\d+$/.test(fields[0]!) || !/^-?\d+$/.test(fields[1]!)) return fail("a lease names a piece and a time");
      entries[index] = { kind: "lease", atMs, playerId, pieceId: Number(fields[0]), expiresAtMs: atMs + Number(fields[1]) };
      continue;
    }
    arity(op === "g" ? 1 : op === "r" ? 2 : 3);
    const pieceText = fields[0] ?? "";
    const pieceId = pieceText === "" ? lastPiece[player]! : Number(pieceText);
    if (pieceId < 0 || pieceText.startsWith("-")) return fail("no piece named");
    lastPiece[player] = pieceId;
    const number = (at: number): number => {
      const text = fields[at]!;
      if (text === "") fail(`field ${at + 1} is empty`);
      return Number(text);
    };
    switch (op) {
      case "g":
        entries[index] = { kind: "action", atMs, playerId, action: { type: "grab", pieceId } };
        break;
      case "r":
        entries[index] = { kind: "action", atMs, playerId, action: { type: "rotate", pieceId, rotation: number(1) } };
        break;
      case "m":
      case "d": {
        const x = lastX[player]! + number(1);
        const y = lastY[player]! + number(2);
        lastX[player] = x;
        lastY[player] = y;
        entries[index] = { kind: "action", atMs, playerId, action: { type: op === "m" ? "move" : "drop", pieceId, x, y } };
        break;
      }
      default:
        return fail(`unknown op ${op}`);
    }
  }
  return entries;
}
