/**
 * How the room's stored layout evolves: a storage version in the room's meta
 * (`storageVersion`; rooms stored before it existed are version 0) and a list
 * of named migrations, each taking storage from the version before it to its
 * own. On load, every migration past the stored version runs in order and what
 * they wrote is written back with the new version, so the next load runs none.
 *
 * Writing stored data in a new layout must be a new named migration appended
 * here (STORAGE_VERSION follows it), together with the change to what the room
 * writes: never edit what a shipped migration does, since rooms stored at its
 * version may still be out there. Migrations name keys literally, as they were
 * at their version, because later code may rename them. A migration must be
 * safe to run again over its own output: a write-back of more than 128 keys is
 * not one atomic put, so a crash in between reruns it.
 */
import type { RoomStorage } from "./room-storage.ts";

export interface StorageMigration {
  /** The storage version this migration produces, from the one just below it. */
  readonly version: number;
  readonly name: string;
  /** Rewrites what changed, reading and writing through `storage` (a view the loader writes back). */
  up(storage: RoomStorage): Promise<void>;
}

export const STORAGE_MIGRATIONS: readonly StorageMigration[] = [
  {
    // Progress counters lived in meta, which is written only on joins, leaves and
    // placements; every action moves them, so they got a small key of their own.
    version: 1,
    name: "progress-own-key",
    async up(storage) {
      const head = await storage.get<unknown>(["meta", "progress"]);
      const meta = head.get("meta");
      if (typeof meta !== "object" || meta === null) return;
      const { version = 0, completedAtMs = null, actionsApplied = 0, ...rest } = meta as Record<string, unknown>;
      const entries: Record<string, unknown> = { meta: rest };
      // A room stored between the two layouts has both: its own key is the newer.
      if (!head.has("progress")) entries.progress = { version, completedAtMs, actionsApplied };
      await storage.put(entries);
    },
  },
  {
    // Rotation made `rotation` a field every spec names. Rooms stored before it
    // were made without it: their spec says so. Their pieces need nothing, since
    // a stored piece without a rotation element is upright.
    version: 2,
    name: "spec-rotation",
    async up(storage) {
      const meta = (await storage.get<unknown>(["meta"])).get("meta");
      if (!isRecord(meta) || !isRecord(meta.spec) || "rotation" in meta.spec) return;
      await storage.put({ meta: { ...meta, spec: { ...meta.spec, rotation: false } } });
    },
  },
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The layout this code writes and reads: the last migration's version. */
export const STORAGE_VERSION = STORAGE_MIGRATIONS[STORAGE_MIGRATIONS.length - 1]!.version;

/** Storage as migrations see it: reads see their own writes, which stay here until the loader writes them back. */
export class StagedStorage implements RoomStorage {
  readonly staged = new Map<string, unknown>();

  constructor(private readonly storage: RoomStorage) {}

  async get<T = unknown>(keys: string[]): Promise<Map<string, T>> {
    const unstaged = keys.filter((key) => !this.staged.has(key));
    const stored = unstaged.length > 0 ? await this.storage.get<T>(unstaged) : new Map<string, T>();
    // As the runtime's storage answers: only keys that exist, in key order, as copies.
    const found = new Map<string, T>();
    for (const key of [...keys].sort()) {
      if (this.staged.has(key)) found.set(key, structuredClone(this.staged.get(key)) as T);
      else if (stored.has(key)) found.set(key, stored.get(key)!);
    }
    return found;
  }

  async put(entries: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(entries)) this.staged.set(key, structuredClone(value));
  }
}

/** Runs, in order, every migration past `fromVersion` over a staged view of `storage`; returns the view and the names of those that ran. */
export async function migrate(storage: RoomStorage, fromVersion: number): Promise<{ view: StagedStorage; applied: string[] }> {
  const view = new StagedStorage(storage);
  const applied: string[] = [];
  for (const migration of STORAGE_MIGRATIONS) {
    if (migration.version <= fromVersion) continue;
    await migration.up(view);
    applied.push(migration.name);
  }
  return { view, applied };
}
