/**
 * The public lobby through the real runtime (`partykit dev`, workerd): a room
 * created listed reports itself to the directory party and an unlisted one
 * never appears; a live room's heartbeat renews its entry; a room whose sockets
 * all closed goes quiet and is dropped after the TTL (short here, set through
 * the launcher's vars); and the directory's outside face is read-only: a POST,
 * a PUT or a DELETE from outside is refused with a sentence and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPartykitDev, type PartykitDev } from "../../testkit/partykit-dev.ts";
import type { ProtocolClient } from "../../testkit/protocol-client.ts";
import { SMALL_PUZZLE, joinRoom } from "../../testkit/room-fixture.ts";
import { DIRECTORY_PATH, DirectoryListingSchema, type DirectoryEntry, type DirectoryReport } from "../../shared/directory.ts";
import { ErrorBodySchema, parseBody } from "../../shared/http.ts";

const TTL_MS = 3_000;
let server: PartykitDev;
const clients: ProtocolClient[] = [];

beforeAll(async () => {
  server = await startPartykitDev({ vars: { DIRECTORY_TTL_MS: String(TTL_MS), DIRECTORY_HEARTBEAT_MS: "1000", DIRECTORY_REPORT_INTERVAL_MS: "200" } });
});
afterAll(async () => {
  for (const client of clients) client.close();
  await server?.stop();
});

async function join(room: string, name: string, extra: Parameters<typeof joinRoom>[3] = {}): Promise<ProtocolClient> {
  const client = await joinRoom(server, room, name, extra);
  clients.push(client);
  return client;
}

async function listed(): Promise<DirectoryEntry[]> {
  const response = await fetch(`${server.url}${DIRECTORY_PATH}`);
  expect(response.status).toBe(200);
  return parseBody(DirectoryListingSchema, await response.json(), "the directory's listing").rooms;
}

/** Polls the listing until `found` says yes (no wall-clock assertion: only a generous deadline). */
async function listingUntil(found: (rooms: DirectoryEntry[]) => boolean, what: string, timeoutMs = 30_000): Promise<DirectoryEntry[]> {
  const deadline = Date.now() + timeoutMs;
  let rooms = await listed();
  while (!found(rooms)) {
    if (Date.now() > deadline) throw new Error(`${what}: not seen within ${timeoutMs} ms; the directory lists ${JSON.stringify(rooms)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
    rooms = await listed();
  }
  return rooms;
}

const entryOf = (rooms: DirectoryEntry[], room: string) => rooms.find((entry) => entry.room === room);

describe("the public lobby's directory", () => {
  test("lists a listed room with its counts, never an unlisted one; a heartbeat renews it; it drops once the room goes quiet", async () => {
    await join("listed-room", "Ann", { create: SMALL_PUZZLE, listed: true });
    const unlisted = await join("unlisted-room", "Bob", { create: SMALL_PUZZLE });
    // An unlisted room's players may send `listed` later: only the creating hello counts.
    await join("unlisted-room", "Cy", { create: SMALL_PUZZLE, listed: true });
    let rooms = await listingUntil((found) => entryOf(found, "listed-room")?.players === 1, "the listed room with its player");
    expect(entryOf(rooms, "listed-room")).toMatchObject({ imageId: SMALL_PUZZLE.imageId, pieces: 4, placed: 0, players: 1, watchers: 0, mode: "stateful", completed: false });

    // A watcher joins: the entry follows.
    await join("listed-room", "Dee", { role: "watcher" });
    rooms = await listingUntil((found) => entryOf(found, "listed-room")?.watchers === 1, "the watcher counted");
    // Nothing changes now, but a live room's heartbeat renews its entry.
    const renewedFrom = entryOf(rooms, "listed-room")!.updatedAtMs;
    rooms = await listingUntil((found) => (entryOf(found, "listed-room")?.updatedAtMs ?? 0) > renewedFrom, "a heartbeat");
    expect(entryOf(rooms, "unlisted-room")).toBeUndefined();
    expect(unlisted.replica).not.toBeNull();

    // Every socket of the listed room closes: no more heartbeats, and the TTL drops it.
    for (const client of clients.filter((client) => client !== unlisted)) client.close();
    rooms = await listingUntil((found) => entryOf(found, "listed-room") === undefined, "the quiet room dropped");
    expect(rooms.map((entry) => entry.room)).not.toContain("unlisted-room");
  });

  test("an outside POST (or PUT, or DELETE) is refused with a sentence and lists nothing; so is another directory room", async () => {
    const forged: DirectoryReport = { room: "forged", imageId: "alpine-dusk", pieces: 100, placed: 0, players: 999, watchers: 0, mode: "stateful", completed: false };
    for (const method of ["POST", "PUT", "DELETE"]) {
      const response = await fetch(`${server.url}${DIRECTORY_PATH}`, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(forged) });
      expect(response.status, method).toBe(403);
      expect(parseBody(ErrorBodySchema, await response.json(), "the refusal").error).toBe("the directory is read-only from outside: only its rooms may report to it");
    }
    const other = await fetch(`${server.url}/parties/directory/elsewhere`);
    expect(other.status).toBe(404);
    expect(parseBody(ErrorBodySchema, await other.json(), "the refusal").error).toContain('there is one directory, "public"');
    expect((await listed()).map((entry) => entry.room)).not.toContain("forged");
  });
});
