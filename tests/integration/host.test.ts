/**
 * Private rooms and host controls through the real runtime (issue 14): a kicked
 * player is closed with the reason and may come back, a banned one cannot come
 * back with its token; a locked room admits a new player as a watcher; a wrong
 * password is refused and a right one admitted, also after the server
 * restarts on the same storage; the stateless hubs refuse host commands.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as pathJoin } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { startPartykitDev } from "../../testkit/partykit-dev.ts";
import { ProtocolClient, type ProtocolClientOptions } from "../../testkit/protocol-client.ts";
import { SMALL_PUZZLE, joinRoom } from "../../testkit/room-fixture.ts";
import { serverPerFile } from "../../testkit/server-per-file.ts";
import { CLOSE_BANNED, CLOSE_KICKED, CLOSE_PASSWORD } from "../../shared/host-controls.ts";
import type { BatchEvent } from "../../shared/protocol.ts";

const file = serverPerFile();
const clients: ProtocolClient[] = [];
afterAll(() => {
  for (const client of clients) client.close();
});

async function join(room: string, name: string, extra: Partial<ProtocolClientOptions> = {}): Promise<ProtocolClient> {
  const client = await joinRoom(file.server, room, name, { create: SMALL_PUZZLE, ...extra });
  clients.push(client);
  return client;
}

/** A client that is expected to be refused: resolves once the room closed it. */
async function refused(options: Omit<ProtocolClientOptions, "host">, host: string): Promise<ProtocolClient> {
  const client = new ProtocolClient({ host, ...options });
  clients.push(client);
  await client.until(() => client.closeEvents.length > 0 || client.replica !== null, 20_000);
  return client;
}

function controls(client: ProtocolClient): Extract<BatchEvent, { type: "room-controls" }> | undefined {
  return client.events.filter((event): event is Extract<BatchEvent, { type: "room-controls" }> => event.type === "room-controls").at(-1);
}

describe("host controls over real sockets", () => {
  test("a kicked player is closed with the reason; a banned one cannot come back with its token", { timeout: 60_000 }, async () => {
    const room = "host-kick";
    const host = await join(room, "Host");
    const guest = await join(room, "Guest");
    await host.until(() => controls(host)?.hostId === host.playerId);
    guest.host({ control: "kick", playerId: host.playerId });
    await guest.until(() => guest.errors.length > 0);
    expect(guest.errors[0]).toMatchObject({ code: "not-host" });

    host.host({ control: "kick", playerId: guest.playerId, reason: "time out" });
    await guest.until(() => guest.closeEvents.length > 0);
    expect(guest.closeEvents[0]).toEqual({ code: CLOSE_KICKED, reason: "removed by the host: time out" });
    await host.until(() => host.events.some((event) => event.type === "kicked"));

    // Kicked, not banned: the same token comes back as the same player.
    const back = await join(room, "Guest", { token: guest.token });
    expect(back.playerId).toBe(guest.playerId);
    host.host({ control: "ban", playerId: back.playerId });
    await back.until(() => back.closeEvents.length > 0);
    expect(back.closeEvents[0]).toMatchObject({ code: CLOSE_BANNED });

    const again = await refused({ room, name: "Guest", token: guest.token }, file.host());
    expect(again.replica).toBeNull();
    expect(again.errors[0]).toMatchObject({ code: "banned" });
    expect(again.closeEvents[0]).toMatchObject({ code: CLOSE_BANNED });
  });

  test("a locked room admits a new player as a watcher, refuses its seat, and welcomes watchers", { timeout: 60_000 }, async () => {
    const room = "host-lock";
    const host = await join(room, "Host");
    host.host({ control: "lock", on: true });
    await host.until(() => controls(host)?.locked === true);
    const late = await join(room, "Late");
    expect(late.role).toBe("watcher");
    late.seat();
    await late.until(() => late.errors.length > 0);
    expect(late.errors[0]).toMatchObject({ code: "room-locked" });
    const watcher = await join(room, "Watcher", { role: "watcher" });
    expect(watcher.role).toBe("watcher");
    const grab = await late.answered(late.act({ type: "grab", pieceId: 0 }));
    expect(grab.rejected).toBe("watching");
    host.host({ control: "lock", on: false });
    await late.until(() => controls(late)?.locked === false);
    late.seat();
    await late.until(() => late.role === "player");
  });

  test("the stateless hubs refuse host commands with a typed error", { timeout: 60_000 }, async () => {
    const player = await join("host-stateless", "Host", { party: "stateless" });
    player.host({ control: "lock", on: true });
    await player.until(() => player.errors.length > 0);
    expect(player.errors[0]).toMatchObject({ code: "host-controls-off" });
  });
});

describe("a private room over real sockets", () => {
  const persistDir = mkdtempSync(pathJoin(tmpdir(), "puzzle-rooms-private-"));
  afterAll(() => rmSync(persistDir, { recursive: true, force: true }));

  test("a wrong password is refused, a right one admitted, and both still so after a restart", { timeout: 120_000 }, async () => {
    const room = "private-room";
    let server = await startPartykitDev({ persistDir });
    try {
      const host = `127.0.0.1:${server.port}`;
      const creator = await ProtocolClient.join({ host, room, name: "Host", create: SMALL_PUZZLE, password: "sesame" });
      clients.push(creator);
      await creator.until(() => controls(creator)?.private === true);

      const wrong = await refused({ room, name: "Stranger", password: "open", address: "203.0.113.7" }, host);
      expect(wrong.replica).toBeNull();
      expect(wrong.errors[0]).toMatchObject({ code: "wrong-password" });
      expect(wrong.closeEvents[0]).toMatchObject({ code: CLOSE_PASSWORD });
      const none = await refused({ room, name: "Passer-by" }, host);
      expect(none.errors[0]).toMatchObject({ code: "password-required" });
      const friend = await ProtocolClient.join({ host, room, name: "Friend", password: "sesame" });
      clients.push(friend);
      expect(friend.role).toBe("player");
      const token = friend.token;
      creator.close();
      friend.close();

      await server.stop();
      server = await startPartykitDev({ persistDir });
      const restarted = `127.0.0.1:${server.port}`;
      const wrongAgain = await refused({ room, name: "Stranger", password: "guess", address: "203.0.113.8" }, restarted);
      expect(wrongAgain.errors[0]).toMatchObject({ code: "wrong-password" });
      const rightAgain = await ProtocolClient.join({ host: restarted, room, name: "Friend 2", password: "sesame" });
      clients.push(rightAgain);
      expect(rightAgain.role).toBe("player");
      // A player resuming by its token needs no password.
      const resumed = await ProtocolClient.join({ host: restarted, room, name: "Friend", token });
      clients.push(resumed);
      expect(resumed.playerId).toBe(friend.playerId);
    } finally {
      await server.stop();
    }
  });
});
