/**
 * Issue 10 through the real runtime, part 2: identity per socket and fair play.
 * A duplicate connection id never takes over a session and a fast reconnect
 * never leaves a zombie; one address cannot fill a room; bots that only renew
 * their holds lose them; an address creates only so many rooms a minute; and
 * the process's loaded-pieces budget holds. Clients at different addresses are
 * played by sending CF-Connecting-IP, the header Cloudflare sets. Every
 * assertion is on counts.
 */
import { describe, expect, test } from "vitest";
import { serverPerFile } from "../../testkit/server-per-file.ts";
import { runAttack } from "../../testkit/attacks/run-attack.ts";
import { fetchRoomLimits } from "../../testkit/room-http.ts";
import { ProtocolClient } from "../../testkit/protocol-client.ts";
import { CLOSE_TOO_MANY_SOCKETS } from "../../shared/protocol.ts";
import { DEFAULT_CONNECTION_LIMITS, DEFAULT_QUOTAS } from "../../party/common/limits.ts";
import { GRAB_LEASE_MS } from "../../shared/rules.ts";

const BUDGET_PIECES = 5_000;
/** A short still-hold window and a small budget, so the test waits seconds and needs few rooms; the rest are the defaults. */
const VARS = { STILL_HOLD_MAX_MS: "2000", LOADED_PIECES_BUDGET: String(BUDGET_PIECES) };

const file = serverPerFile(VARS);
const host = file.host;

describe("one client cannot hurt a room: identity and fair play", () => {
  test("a duplicate connection id cannot take over a session, and a fast reconnect never leaves a zombie", async () => {
    const result = await runAttack("identity", { host: host(), room: "identity", tries: 20 });
    expect(result.zombies).toBe(0);
    expect(result.takeover).toEqual({ joinedAsOther: true, movesRefused: 5, movesTried: 5, victimServed: true });
  });

  test("one address cannot fill a room: it gets MAX_SOCKETS_PER_ADDRESS sockets, and others still join", async () => {
    const result = await runAttack("squat", { host: host(), room: "squat", sockets: 64, address: "192.0.2.7" });
    expect(result.joined).toBe(DEFAULT_CONNECTION_LIMITS.maxSocketsPerAddress);
    expect(result.closes).toEqual({ [CLOSE_TOO_MANY_SOCKETS]: 64 - DEFAULT_CONNECTION_LIMITS.maxSocketsPerAddress });
    expect(result.otherJoined).toBe(true);
  });

  test("bots that sit on every piece and only renew their holds lose them", async () => {
    const result = await runAttack("holdEverything", { host: host(), room: "hold-everything", renewEveryMs: 1_000, durationMs: 25_000 });
    console.log(`hold everything: ${JSON.stringify(result.grabs)}`);
    expect(result.bots).toBe(result.pieces);
    // While a hold is fresh (a lease from its bot's grab, at least), nobody else gets its piece;
    // counted per piece from its own grab, since joining the bots one by one takes seconds on a
    // loaded machine. After the still-hold window and a lease, they lapse.
    // Half a second off the lease for the room's clock, which workerd moves only between events.
    const freshForMs = GRAB_LEASE_MS - 500;
    const fresh = result.attempts.filter((attempt) => attempt.answeredAtMs < result.heldFromMs[attempt.pieceId]! + freshForMs);
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.filter((attempt) => attempt.granted)).toEqual([]);
    expect(result.grabs.at(-1)!.granted).toBe(result.grabs.at(-1)!.tried);
  });

  test("an address creates at most ROOMS_PER_ADDRESS_PER_MIN rooms a minute", async () => {
    const result = await runAttack("roomFlood", { host: host(), prefix: "quota", rooms: DEFAULT_QUOTAS.roomsPerAddressPerMin + 5, pieces: 100, addresses: "one" });
    expect(result).toMatchObject({ created: DEFAULT_QUOTAS.roomsPerAddressPerMin, refused: { "over-quota": 5 } });
  });

  test("rooms from many addresses stay within the loaded-pieces budget: idle rooms unload, and come back", async () => {
    const result = await runAttack("roomFlood", { host: host(), prefix: "budget", rooms: 12, pieces: 1_000, addresses: "many", parallel: 1 });
    expect(result.created).toBe(12);
    const keeper = await ProtocolClient.join({ host: host(), room: "budget-keeper", name: "Keeper", create: { imageId: "b", imageWidth: 400, imageHeight: 400, pieceCount: 4, seed: 1 } });
    expect((await fetchRoomLimits(file.server.url, "main", "budget-keeper")).loadedPieces).toBeLessThanOrEqual(BUDGET_PIECES);
    // The first room was unloaded to make way; it rebuilds from storage when asked for.
    expect(await fetchRoomLimits(file.server.url, "main", "budget-0")).toMatchObject({ created: true, pieces: 1_000 });
    keeper.close();
  });
});
