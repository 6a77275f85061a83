/**
 * What the room relies on from its storage, as numbered rules each with a check
 * (tldraw's storageContractSuite). The same checks run against the in-memory
 * storage of the unit tests (tests/unit/storage-contract.test.ts) and against
 * real Durable Object storage inside `partykit dev` (testkit/storage-contract-room/,
 * tests/integration/storage-contract.test.ts), so the fake cannot drift from the
 * runtime. Every rule was checked against the runtime; a rule the runtime does
 * not keep does not belong here.
 *
 * Runs inside workerd too: Web APIs only, no test framework.
 */
import * as v from "valibot";
import type { RoomHostStorage } from "../party/room/room-storage.ts";

/** Most keys one get takes (and, by the platform's documentation, one put). */
export const STORAGE_MAX_KEYS = 128;
/** The documented limit of one value: 128 KiB. */
export const STORAGE_MAX_VALUE_BYTES = 128 * 1024;
/** The runtime measures a value by its V8 serialization and allows this much over the limit for the serializer's tags. */
export const STORAGE_VALUE_SLACK_BYTES = 34;
export const STORAGE_MAX_KEY_BYTES = 2048;

export interface StorageRule {
  readonly id: number;
  readonly rule: string;
  /** Throws saying what broke the rule. `key` scopes a name to this rule, so rules never share keys. */
  check(storage: RoomHostStorage, key: (name: string) => string): Promise<void>;
}

export const StorageVerdictSchema = v.object({ id: v.number(), rule: v.string(), passed: v.boolean(), problem: v.optional(v.string()) });
export type StorageVerdict = v.InferOutput<typeof StorageVerdictSchema>;

/** V8 serializes a string of one-byte characters as 2 header bytes, a tag and a 3-byte length for these sizes, then the characters. */
const ONE_BYTE_STRING_OVERHEAD = 6;
const LARGEST_STRING_STORED = STORAGE_MAX_VALUE_BYTES + STORAGE_VALUE_SLACK_BYTES - ONE_BYTE_STRING_OVERHEAD;

export const STORAGE_CONTRACT: readonly StorageRule[] = [
  {
    id: 1,
    rule: "a put's promise resolves (to undefined)",
    async check(storage, key) {
      const result: unknown = await storage.put({ [key("a")]: 1 });
      same(result, undefined, "put resolved to");
    },
  },
  {
    id: 2,
    rule: "a get returns only keys that exist",
    async check(storage, key) {
      await storage.put({ [key("a")]: 1, [key("b")]: 2 });
      const found = await storage.get([key("a"), key("never-put"), key("b")]);
      same([...found.keys()].sort(), [key("a"), key("b")].sort(), "keys found");
      same((await storage.get([key("never-put")])).size, 0, "entries for a key never put");
    },
  },
  {
    id: 3,
    rule: "a get returns its entries in ascending key order, whatever order it asked in",
    async check(storage, key) {
      await storage.put({ [key("z")]: 1, [key("a")]: 2, [key("m")]: 3 });
      same([...(await storage.get([key("m"), key("z"), key("a")])).keys()], [key("a"), key("m"), key("z")], "order of keys");
    },
  },
  {
    id: 4,
    rule: "a put is visible to the next get before its promise resolves, and puts apply in the order they were called",
    async check(storage, key) {
      const first = storage.put({ [key("v")]: 1 });
      const second = storage.put({ [key("v")]: 2, [key("w")]: 2 });
      const seen = await storage.get([key("v"), key("w")]);
      await Promise.all([first, second]);
      same(Object.fromEntries(seen), { [key("v")]: 2, [key("w")]: 2 }, "values seen");
    },
  },
  {
    id: 5,
    rule: `a get of ${STORAGE_MAX_KEYS} keys is served; one of ${STORAGE_MAX_KEYS + 1} is refused with a RangeError`,
    async check(storage, key) {
      const keys = Array.from({ length: STORAGE_MAX_KEYS + 1 }, (_, index) => key(`k${index}`));
      await storage.put({ [keys[0]!]: 0 });
      same((await storage.get(keys.slice(0, STORAGE_MAX_KEYS))).size, 1, `entries in a get of ${STORAGE_MAX_KEYS} keys`);
      await refused(() => storage.get(keys), `a get of ${keys.length} keys`);
    },
  },
  {
    id: 6,
    rule: `a put of ${STORAGE_MAX_KEYS} entries is stored whole`,
    async check(storage, key) {
      const entries = Object.fromEntries(Array.from({ length: STORAGE_MAX_KEYS }, (_, index) => [key(`k${index}`), index]));
      await storage.put(entries);
      const stored = await storage.get(Object.keys(entries));
      same(Object.keys(entries).map((name) => stored.get(name)), Object.values(entries), "what was stored");
    },
  },
  {
    id: 7,
    rule: "a value is copied on put: changing it afterwards changes nothing stored",
    async check(storage, key) {
      const value = { pieces: [[1, 2, 0, 0]] };
      const put = storage.put({ [key("o")]: value });
      value.pieces[0]![0] = 99;
      value.pieces.push([3, 4, 1, 1]);
      await put;
      same((await storage.get([key("o")])).get(key("o")), { pieces: [[1, 2, 0, 0]] }, "stored value");
    },
  },
  {
    id: 8,
    rule: "a value is copied on get: changing what a get returned changes nothing stored",
    async check(storage, key) {
      await storage.put({ [key("o")]: { pieces: [[1, 2, 0, 0]] } });
      const got = (await storage.get<{ pieces: number[][] }>([key("o")])).get(key("o"))!;
      got.pieces[0]![0] = 99;
      got.pieces.push([3, 4, 1, 1]);
      same((await storage.get([key("o")])).get(key("o")), { pieces: [[1, 2, 0, 0]] }, "stored value");
    },
  },
  {
    id: 9,
    rule: "nested objects and arrays, null, strings and fractional numbers round-trip unchanged",
    async check(storage, key) {
      const value = { spec: { rows: 3, pieceWidth: 64.5, imageId: "名-photo" }, players: [{ id: "a", placed: 0 }], pieces: [[-1.25, 2, 0, 1]], completedAtMs: null };
      await storage.put({ [key("v")]: value });
      same((await storage.get([key("v")])).get(key("v")), value, "value read back");
    },
  },
  {
    id: 10,
    rule: "a Uint8Array round-trips as a Uint8Array with the same bytes",
    async check(storage, key) {
      const bytes = new Uint8Array([0, 1, 127, 128, 255]);
      await storage.put({ [key("b")]: bytes });
      const got = (await storage.get([key("b")])).get(key("b"));
      if (!(got instanceof Uint8Array)) throw new Error(`read back ${Object.prototype.toString.call(got)}, not a Uint8Array`);
      same([...got], [...bytes], "bytes read back");
    },
  },
  {
    id: 11,
    rule: `a value of 128 KiB is stored: a Uint8Array of ${STORAGE_MAX_VALUE_BYTES} bytes, a string of ${STORAGE_MAX_VALUE_BYTES} characters`,
    async check(storage, key) {
      const bytes = new Uint8Array(STORAGE_MAX_VALUE_BYTES).fill(7);
      await storage.put({ [key("bytes")]: bytes, [key("text")]: "x".repeat(STORAGE_MAX_VALUE_BYTES) });
      const got = await storage.get<Uint8Array | string>([key("bytes"), key("text")]);
      same((got.get(key("bytes")) as Uint8Array).byteLength, STORAGE_MAX_VALUE_BYTES, "bytes stored");
      same((got.get(key("text")) as string).length, STORAGE_MAX_VALUE_BYTES, "characters stored");
    },
  },
  {
    id: 12,
    rule: `a value above the limit is refused with a RangeError: a Uint8Array of 129 KiB; a serialized size over ${STORAGE_MAX_VALUE_BYTES + STORAGE_VALUE_SLACK_BYTES} bytes (one-byte strings of ${LARGEST_STRING_STORED} characters are stored, of ${LARGEST_STRING_STORED + 1} refused)`,
    async check(storage, key) {
      await refused(() => storage.put({ [key("bytes")]: new Uint8Array(STORAGE_MAX_VALUE_BYTES + 1024) }), "a put of 129 KiB of bytes");
      await storage.put({ [key("largest")]: "x".repeat(LARGEST_STRING_STORED) });
      await refused(() => storage.put({ [key("over")]: "x".repeat(LARGEST_STRING_STORED + 1) }), `a put of a ${LARGEST_STRING_STORED + 1}-character string`);
    },
  },
  {
    id: 13,
    rule: "a refused put stores none of its entries",
    async check(storage, key) {
      await refused(() => storage.put({ [key("small")]: 1, [key("big")]: "x".repeat(STORAGE_MAX_VALUE_BYTES + 1024) }), "a put with one value too large");
      same((await storage.get([key("small"), key("big")])).size, 0, "entries stored by the refused put");
    },
  },
  {
    id: 14,
    rule: "a refusal comes as a rejected promise, never as a throw from the call itself",
    async check(storage, key) {
      const calls: Array<[string, () => Promise<unknown>]> = [
        ["a put of a value too large", () => storage.put({ [key("big")]: "x".repeat(STORAGE_MAX_VALUE_BYTES + 1024) })],
        [`a get of ${STORAGE_MAX_KEYS + 1} keys`, () => storage.get(Array.from({ length: STORAGE_MAX_KEYS + 1 }, (_, index) => key(`k${index}`)))],
      ];
      for (const [what, call] of calls) {
        let promise: Promise<unknown>;
        try {
          promise = call();
        } catch (error) {
          throw new Error(`${what} threw from the call: ${describe(error)}`);
        }
        await refused(() => promise, what);
      }
    },
  },
  {
    id: 15,
    rule: `a key of ${STORAGE_MAX_KEY_BYTES} bytes is stored; a longer one is refused with a RangeError`,
    async check(storage, key) {
      const prefix = key("");
      const longest = prefix + "k".repeat(STORAGE_MAX_KEY_BYTES - new TextEncoder().encode(prefix).byteLength);
      await storage.put({ [longest]: 1 });
      same((await storage.get([longest])).get(longest), 1, "value under the longest key");
      await refused(() => storage.put({ [`${longest}k`]: 1 }), `a put under a key of ${STORAGE_MAX_KEY_BYTES + 1} bytes`);
    },
  },
  {
    id: 16,
    rule: `a delete of up to ${STORAGE_MAX_KEYS} keys removes those that exist, resolves to how many did, and later gets miss them`,
    async check(storage, key) {
      const keys = Array.from({ length: STORAGE_MAX_KEYS }, (_, index) => key(`k${index}`));
      await storage.put(Object.fromEntries(keys.slice(0, 100).map((name, index) => [name, index])));
      await storage.put({ [key("kept")]: 1 });
      same(await storage.delete(keys), 100, "keys the delete said it removed");
      same([...(await storage.get([...keys.slice(0, 3), key("kept")])).keys()], [key("kept")], "keys found after the delete");
      same(await storage.delete([key("never-put")]), 0, "keys removed by a delete of a key never put");
    },
  },
];

/** Runs every rule against `storage`, each in its own key space; never throws. */
export async function runStorageContract(storage: RoomHostStorage): Promise<StorageVerdict[]> {
  const verdicts: StorageVerdict[] = [];
  for (const { id, rule, check } of STORAGE_CONTRACT) {
    try {
      await check(storage, (name) => `contract-${id}:${name}`);
      verdicts.push({ id, rule, passed: true });
    } catch (error) {
      verdicts.push({ id, rule, passed: false, problem: describe(error) });
    }
  }
  return verdicts;
}

function same(actual: unknown, expected: unknown, what: string): void {
  const [a, e] = [JSON.stringify(actual), JSON.stringify(expected)];
  if (a !== e) throw new Error(`${what}: expected ${e.slice(0, 200)}, got ${a?.slice(0, 200)}`);
}

async function refused(call: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await call();
  } catch (error) {
    if (error instanceof Error && error.name === "RangeError") return;
    throw new Error(`${what} was refused, but with ${describe(error)} instead of a RangeError`);
  }
  throw new Error(`${what} was not refused`);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
