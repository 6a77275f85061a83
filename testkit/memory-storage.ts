/**
 * Durable Object storage in memory, for RoomCore in-process (tests, fuzz,
 * bench:room's core timing). It keeps every rule of testkit/storage-contract.ts,
 * which also runs against the real runtime: values are copied, and measured
 * against the value limit by their V8 serialization as the runtime measures
 * them. One rule is stricter than `partykit dev`: a put of more than 128 entries
 * is refused, as the platform documents, though the local runtime takes it.
 *
 * Plain data (what the room stores: objects, arrays, strings, numbers) is
 * copied by hand and serialized only when an upper bound of its size comes near
 * the limit; anything else goes through the V8 serializer. The serializer costs
 * bench:room's in-process timing more than the room's own logic does.
 */
import { deserialize, serialize } from "node:v8";
import type { RoomHostStorage } from "../party/room/room-storage.ts";
import { STORAGE_MAX_KEYS, STORAGE_MAX_KEY_BYTES, STORAGE_MAX_VALUE_BYTES, STORAGE_VALUE_SLACK_BYTES } from "./storage-contract.ts";

/** One put (or delete) as the log records it. */
export interface PutLogEntry {
  kind: "put" | "delete";
  keys: string[];
}

const utf8 = new TextEncoder();

/** A stored value: plain data as a private copy, anything else as its V8 serialization. */
type Stored = { plain: unknown } | { serialized: Buffer };

/** `Logged` is what else shares the log (InMemoryRoom puts its sends there, so puts and sends interleave in order). */
export class MemoryStorage<Logged = PutLogEntry> implements RoomHostStorage {
  /** The keys of every put, in order. */
  readonly puts: string[][] = [];
  private readonly stored = new Map<string, Stored>();

  constructor(readonly log: Array<Logged | PutLogEntry> = []) {}

  async get<T = unknown>(keys: string[]): Promise<Map<string, T>> {
    if (keys.length > STORAGE_MAX_KEYS) throw tooManyKeys(keys.length);
    const found = new Map<string, T>();
    for (const key of [...keys].sort()) {
      const value = this.stored.get(key);
      if (value) found.set(key, read(value) as T);
    }
    return found;
  }

  async put(entries: Record<string, unknown>): Promise<void> {
    const keys = Object.keys(entries);
    if (keys.length > STORAGE_MAX_KEYS) throw tooManyKeys(keys.length);
    // Every entry is checked before any is stored: a refused put stores nothing.
    const values = keys.map((key) => {
      const keyBytes = utf8.encode(key).byteLength;
      if (keyBytes > STORAGE_MAX_KEY_BYTES) throw new RangeError(`Keys cannot be larger than ${STORAGE_MAX_KEY_BYTES} bytes. A key of size ${keyBytes} was provided.`);
      return store(entries[key]);
    });
    keys.forEach((key, index) => this.stored.set(key, values[index]!));
    this.puts.push(keys);
    this.log.push({ kind: "put", keys });
  }

  async delete(keys: string[]): Promise<number> {
    if (keys.length > STORAGE_MAX_KEYS) throw tooManyKeys(keys.length);
    let deleted = 0;
    for (const key of keys) if (this.stored.delete(key)) deleted++;
    this.log.push({ kind: "delete", keys });
    return deleted;
  }

  /** Everything stored (a fresh copy on every read), for tests to inspect. */
  get values(): ReadonlyMap<string, unknown> {
    return new Map([...this.stored].map(([key, value]) => [key, read(value)]));
  }
}

const MAX_SERIALIZED_BYTES = STORAGE_MAX_VALUE_BYTES + STORAGE_VALUE_SLACK_BYTES;

function store(value: unknown): Stored {
  const plain = plainCopy(value);
  if (plain && plain.sizeBound <= MAX_SERIALIZED_BYTES) return { plain: plain.copy };
  const serialized = serialize(value);
  if (serialized.byteLength > MAX_SERIALIZED_BYTES) throw new RangeError(`Values cannot be larger than ${STORAGE_MAX_VALUE_BYTES} bytes. A value of size ${serialized.byteLength} was provided.`);
  return { serialized };
}

function read(value: Stored): unknown {
  return "plain" in value ? copyPlain(value.plain, { bytes: 0 }, 0) : deserialize(value.serialized);
}

/** A copy of `value` if it is plain data, with an upper bound of the size of its V8 serialization; null otherwise. */
export function plainCopy(value: unknown): { copy: unknown; sizeBound: number } | null {
  const size = { bytes: V8_HEADER_BYTES };
  const copy = copyPlain(value, size, 0);
  return copy === NOT_PLAIN ? null : { copy, sizeBound: size.bytes };
}

const NOT_PLAIN = Symbol("not plain data");
const V8_HEADER_BYTES = 2;
/** Deeper than this is no room value; the serializer copes with anything deeper (cycles included). */
const MAX_PLAIN_DEPTH = 32;

/**
 * A copy of plain data (plain objects, dense arrays, strings, finite or not
 * numbers, booleans, null), adding to `size.bytes` an upper bound of its V8
 * serialization (a number at most 9 bytes, a string 7 plus two per unit, an
 * array or object at most 17 of tags and counts); NOT_PLAIN for anything else.
 */
function copyPlain(value: unknown, size: { bytes: number }, depth: number): unknown {
  switch (typeof value) {
    case "number":
      size.bytes += 9;
      return value;
    case "boolean":
      size.bytes += 1;
      return value;
    case "string":
      size.bytes += 7 + 2 * value.length;
      return value;
    case "object":
      break;
    default:
      return NOT_PLAIN;
  }
  if (value === null) {
    size.bytes += 1;
    return null;
  }
  if (depth >= MAX_PLAIN_DEPTH) return NOT_PLAIN;
  size.bytes += 17;
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length);
    for (let index = 0; index < value.length; index++) {
      if (!(index in value)) return NOT_PLAIN;
      const item = copyPlain(value[index], size, depth + 1);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      copy[index] = item;
    }
    return copy;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return NOT_PLAIN;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (key === "__proto__") return NOT_PLAIN;
    size.bytes += 7 + 2 * key.length;
    const itemCopy = copyPlain(item, size, depth + 1);
    if (itemCopy === NOT_PLAIN) return NOT_PLAIN;
    copy[key] = itemCopy;
  }
  return copy;
}

function tooManyKeys(count: number): RangeError {
  return new RangeError(`Maximum number of key value pairs is ${STORAGE_MAX_KEYS}. ${count} pairs were provided.`);
}
