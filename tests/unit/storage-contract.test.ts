/**
 * The storage contract against the in-memory storage every in-process test and
 * bench:room uses; tests/integration/storage-contract.test.ts runs the same
 * rules against the real runtime.
 */
import { serialize } from "node:v8";
import { describe, expect, it } from "vitest";
import { MemoryStorage, plainCopy } from "../../testkit/memory-storage.ts";
import { STORAGE_CONTRACT, STORAGE_MAX_KEYS, runStorageContract } from "../../testkit/storage-contract.ts";

describe("MemoryStorage keeps the storage contract", () => {
  it.each(STORAGE_CONTRACT.map((rule) => [`${rule.id}. ${rule.rule}`, rule] as const))("%s", async (_name, rule) => {
    await rule.check(new MemoryStorage(), (name) => `contract-${rule.id}:${name}`);
  });

  it("runs as a whole with every verdict passed", async () => {
    const verdicts = await runStorageContract(new MemoryStorage());
    expect(verdicts.filter((verdict) => !verdict.passed)).toEqual([]);
    expect(verdicts.map((verdict) => verdict.id)).toEqual(STORAGE_CONTRACT.map((_, index) => index + 1));
  });

  it(`is stricter than partykit dev where the platform documents a limit: a put of ${STORAGE_MAX_KEYS + 1} entries is refused`, async () => {
    const storage = new MemoryStorage();
    const entries = Object.fromEntries(Array.from({ length: STORAGE_MAX_KEYS + 1 }, (_, index) => [`k${index}`, index]));
    await expect(storage.put(entries)).rejects.toThrow(RangeError);
    expect(storage.values.size).toBe(0);
  });
});

describe("the contract can fail", () => {
  it("a storage whose delete leaves keys behind breaks the delete rule", async () => {
    const storage = new MemoryStorage();
    const forgetful = { get: storage.get.bind(storage), put: storage.put.bind(storage), delete: async (keys: string[]) => keys.length };
    const failed = (await runStorageContract(forgetful)).filter((verdict) => !verdict.passed).map((verdict) => verdict.id);
    expect(failed).toEqual([16]);
  });

  it("a storage that hands out its own values breaks the copy rules", async () => {
    const shared = new Map<string, unknown>();
    const leaky = {
      async get<T>(keys: string[]) {
        return new Map([...keys].sort().filter((key) => shared.has(key)).map((key) => [key, shared.get(key) as T]));
      },
      async put(entries: Record<string, unknown>) {
        for (const [key, value] of Object.entries(entries)) shared.set(key, value);
      },
      async delete(keys: string[]) {
        return keys.filter((key) => shared.delete(key)).length;
      },
    };
    const failed = (await runStorageContract(leaky)).filter((verdict) => !verdict.passed).map((verdict) => verdict.id);
    expect(failed).toEqual(expect.arrayContaining([7, 8, 5, 12]));
  });
});

describe("MemoryStorage's size bound for plain data", () => {
  const values: Array<[string, unknown]> = [
    ["a stored chunk", Array.from({ length: 256 }, (_, id) => [id * 3.25 - 400, id * 7, id, id % 2])],
    ["meta with players", { storageVersion: 1, mode: "stateful", spec: { imageId: "x", rows: 3, pieceWidth: 64.5 }, startedAtMs: 1_700_000_000_000, players: [{ id: "名前", name: "😀".repeat(32), color: "#fff", token: "t", placed: 0 }] }],
    ["numbers at the edges", [0, -0, 1, -1, 2 ** 30, 2 ** 31, -(2 ** 31) - 1, 2 ** 53, Number.NaN, Number.POSITIVE_INFINITY, 1e-300, Number.MAX_VALUE]],
    ["integer-like and unicode keys", { "0": 1, "4294967295": 2, "-1": 3, "ключ": 4, "": 5 }],
    ["empty and nested containers", [[], {}, [[[]]], { a: { b: { c: [] } } }, null, true, false]],
    ["a long two-byte string", "名".repeat(5_000)],
    ["a long one-byte string", "x".repeat(100_000)],
  ];
  it.each(values)("%s: the bound is at least its V8 serialization, and the copy is equal", (_name, value) => {
    const plain = plainCopy(value);
    if (!plain) return expect.fail("expected plain data");
    expect(plain.sizeBound).toBeGreaterThanOrEqual(serialize(value).byteLength);
    expect(plain.copy).toEqual(value);
    expect(plain.copy === value && typeof value === "object").toBe(false);
  });

  it.each([
    ["a Uint8Array", new Uint8Array(3)],
    ["a Map", new Map([[1, 2]])],
    ["an array with a hole", [1, , 3]],
    ["an undefined", undefined],
    ["a date", new Date(0)],
  ])("%s is not plain: it goes through the serializer", (_name, value) => {
    expect(plainCopy(value)).toBeNull();
  });
});
