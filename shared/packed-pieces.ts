/**
 * Every piece of a puzzle in one string, for the snapshot a joiner gets: at
 * 5,000 pieces the JSON tuples ([x, y, group, locked]) cost about 18 bytes a
 * piece, this about 7. It is a function of the pieces and the spec alone, so a
 * room may encode it once per version and hand the same string to every joiner.
 *
 * Bytes, in piece id order, written as base64url without padding. Per piece one
 * header byte, then what the header says follows:
 *   bit 0     locked
 *   bits 1-2  quarter turns (shared/rotation.ts)
 *   bits 3-4  group: 0 its own id, 1 the group of piece id - 1, 2 the group of
 *             piece id - cols (the neighbours a group usually grows through),
 *             3 a varint of the group id follows
 *   bit 5     the piece lies exactly where it is solved: no coordinates follow
 *             (every locked piece of a room that ran the rules)
 *   bit 6     coordinates that are not whole numbers at or past -offset, or are
 *             far off the table: two little-endian float64 follow (never from
 *             the rules; kept so the format is lossless for whatever a backend stored)
 *   otherwise two varints: x + offset, y + offset, where offset is the larger
 *   side of a piece (a turned piece's cell corner may lie that far off the table).
 * A varint is 7 bits a byte, least significant first, high bit set on all but the last.
 */
import { pieceCountOf, solvedPosition, type PuzzleSpec } from "./puzzle-spec.ts";
import type { PieceState } from "./puzzle-state.ts";
import type { WirePiece } from "./protocol.ts";

const LOCKED_BIT = 0b1;
const ROTATION_SHIFT = 1;
const GROUP_SHIFT = 3;
const GROUP_OWN = 0;
const GROUP_OF_LEFT = 1;
const GROUP_OF_ABOVE = 2;
const GROUP_EXPLICIT = 3;
const SOLVED_BIT = 1 << 5;
const RAW_BIT = 1 << 6;
/** Coordinates past this (after the offset) go as float64: varints stay within 32-bit arithmetic. */
const MAX_VARINT_COORDINATE = 0x3fff_ffff;

/** Most bytes one piece takes when its group is below 16,384 and its coordinates on a table under 16,384 - offset px: 1 + 2 + 2 + 2. */
export const MAX_PACKED_BYTES_PER_PIECE = 7;

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const DIGIT_OF = new Int16Array(128).fill(-1);
for (let index = 0; index < ALPHABET.length; index++) DIGIT_OF[ALPHABET.charCodeAt(index)] = index;

function coordinateOffset(spec: PuzzleSpec): number {
  return Math.max(spec.pieceWidth, spec.pieceHeight);
}

/** The packed form of `pieces` (a puzzle's, in id order) for `spec`. */
export function packPieces(spec: PuzzleSpec, pieces: readonly PieceState[]): string {
  const offset = coordinateOffset(spec);
  const bytes = new ByteWriter(pieces.length * 5 + 16);
  pieces.forEach((piece, id) => {
    let header = (piece.locked ? LOCKED_BIT : 0) | (piece.rotation << ROTATION_SHIFT);
    let groupKind = GROUP_EXPLICIT;
    if (piece.group === id) groupKind = GROUP_OWN;
    else if (id % spec.cols > 0 && pieces[id - 1]!.group === piece.group) groupKind = GROUP_OF_LEFT;
    else if (id >= spec.cols && pieces[id - spec.cols]!.group === piece.group) groupKind = GROUP_OF_ABOVE;
    header |= groupKind << GROUP_SHIFT;
    const solved = solvedPosition(spec, id);
    const x = piece.x + offset;
    const y = piece.y + offset;
    const atSolved = piece.x === solved.x && piece.y === solved.y;
    const whole = isVarintCoordinate(x) && isVarintCoordinate(y);
    if (atSolved) header |= SOLVED_BIT;
    else if (!whole) header |= RAW_BIT;
    bytes.byte(header);
    if (groupKind === GROUP_EXPLICIT) bytes.varint(piece.group);
    if (atSolved) return;
    if (whole) {
      bytes.varint(x);
      bytes.varint(y);
    } else {
      bytes.float64(piece.x);
      bytes.float64(piece.y);
    }
  });
  return toBase64Url(bytes.view());
}

/** The pieces `packed` holds for `spec`, as snapshots carry them, or why it is not a packing of them. */
export function unpackPieces(spec: PuzzleSpec, packed: string): { ok: true; pieces: WirePiece[] } | { ok: false; problem: string } {
  const bytes = fromBase64Url(packed);
  if (!bytes) return { ok: false, problem: "packed pieces are not base64url" };
  const count = pieceCountOf(spec);
  const offset = coordinateOffset(spec);
  const reader = new ByteReader(bytes);
  const pieces: WirePiece[] = [];
  const groups: number[] = [];
  for (let id = 0; id < count; id++) {
    const header = reader.byte();
    if (header === null || header > (RAW_BIT | (RAW_BIT - 1)) || (header & SOLVED_BIT && header & RAW_BIT)) return { ok: false, problem: `piece ${id}: bad header` };
    const locked = header & LOCKED_BIT ? 1 : 0;
    const rotation = ((header >> ROTATION_SHIFT) & 0b11) as 0 | 1 | 2 | 3;
    const groupKind = (header >> GROUP_SHIFT) & 0b11;
    let group: number | null = id;
    if (groupKind === GROUP_OF_LEFT) group = id % spec.cols > 0 ? groups[id - 1]! : null;
    else if (groupKind === GROUP_OF_ABOVE) group = id >= spec.cols ? groups[id - spec.cols]! : null;
    else if (groupKind === GROUP_EXPLICIT) group = reader.varint();
    if (group === null || group >= count) return { ok: false, problem: `piece ${id}: bad group` };
    let x: number | null;
    let y: number | null;
    if (header & SOLVED_BIT) ({ x, y } = solvedPosition(spec, id));
    else if (header & RAW_BIT) {
      x = reader.float64();
      y = reader.float64();
    } else {
      x = reader.varint();
      y = reader.varint();
      if (x !== null) x -= offset;
      if (y !== null) y -= offset;
    }
    if (x === null || y === null || !Number.isFinite(x) || !Number.isFinite(y)) return { ok: false, problem: `piece ${id}: bad coordinates` };
    groups.push(group);
    pieces.push(rotation === 0 ? [x, y, group, locked] : [x, y, group, locked, rotation]);
  }
  if (!reader.done()) return { ok: false, problem: `packed pieces hold more than the spec's ${count}` };
  return { ok: true, pieces };
}

function isVarintCoordinate(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_VARINT_COORDINATE;
}

class ByteWriter {
  private bytes: Uint8Array;
  private length = 0;
  private readonly scratch = new DataView(new ArrayBuffer(8));

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity);
  }

  byte(value: number): void {
    if (this.length === this.bytes.length) {
      const grown = new Uint8Array(this.bytes.length * 2);
      grown.set(this.bytes);
      this.bytes = grown;
    }
    this.bytes[this.length++] = value;
  }

  varint(value: number): void {
    let rest = value;
    while (rest >= 0x80) {
      this.byte((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    this.byte(rest);
  }

  float64(value: number): void {
    this.scratch.setFloat64(0, value, true);
    for (let index = 0; index < 8; index++) this.byte(this.scratch.getUint8(index));
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }
}

class ByteReader {
  private position = 0;
  private readonly scratch = new DataView(new ArrayBuffer(8));

  constructor(private readonly bytes: Uint8Array) {}

  byte(): number | null {
    return this.position < this.bytes.length ? this.bytes[this.position++]! : null;
  }

  /** A varint of at most 5 bytes (30 bits of coordinate or group), or null. */
  varint(): number | null {
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const next = this.byte();
      if (next === null) return null;
      value += (next & 0x7f) * 2 ** shift;
      if ((next & 0x80) === 0) return value;
    }
    return null;
  }

  float64(): number | null {
    if (this.position + 8 > this.bytes.length) return null;
    for (let index = 0; index < 8; index++) this.scratch.setUint8(index, this.bytes[this.position++]!);
    return this.scratch.getFloat64(0, true);
  }

  done(): boolean {
    return this.position === this.bytes.length;
  }
}

function toBase64Url(bytes: Uint8Array): string {
  const parts: string[] = [];
  let chunk = "";
  for (let index = 0; index < bytes.length; index += 3) {
    const a = bytes[index]!;
    const b = bytes[index + 1];
    const c = bytes[index + 2];
    chunk += ALPHABET[a >> 2]! + ALPHABET[((a & 0b11) << 4) | ((b ?? 0) >> 4)]!;
    if (b !== undefined) chunk += ALPHABET[((b & 0b1111) << 2) | ((c ?? 0) >> 6)]!;
    if (c !== undefined) chunk += ALPHABET[c & 0b111111]!;
    // Short strings joined once: cheaper than one ever-growing string on every engine.
    if (chunk.length >= 4_096) {
      parts.push(chunk);
      chunk = "";
    }
  }
  parts.push(chunk);
  return parts.join("");
}

function fromBase64Url(text: string): Uint8Array | null {
  if (text.length % 4 === 1) return null;
  const bytes = new Uint8Array(Math.floor((text.length * 3) / 4));
  let length = 0;
  let bits = 0;
  let held = 0;
  for (let index = 0; index < text.length; index++) {
    const value = digit(text.charCodeAt(index));
    if (value < 0) return null;
    bits = ((bits << 6) | value) & 0xffffff;
    held += 6;
    if (held >= 8) {
      held -= 8;
      bytes[length++] = (bits >> held) & 0xff;
    }
  }
  return bytes.subarray(0, length);
}

function digit(code: number): number {
  return code < 128 ? DIGIT_OF[code]! : -1;
}
