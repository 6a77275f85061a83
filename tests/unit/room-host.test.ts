/**
 * The host seat in the room, in-process (testkit/in-memory-room.ts): every
 * control checked by the room, each bad command a typed refusal that changes
 * nothing, the seat passing on, the lock, watch-only, bans, restart, and the
 * private room's gate.
 */
import { describe, expect, it } from "vitest";
import { InMemoryRoom, type FakeClient } from "../../testkit/in-memory-room.ts";
import { SMALL_PUZZLE } from "../../testkit/room-fixture.ts";
import { CLOSE_BANNED, CLOSE_KICKED, CLOSE_PASSWORD, CLOSE_RESTARTED, type HostCommand } from "../../shared/host-controls.ts";
import { PROTOCOL_VERSION, type BatchEvent, type ServerMessage } from "../../shared/protocol.ts";
import { HOST_AWAY_MS, HOST_KEY } from "../../party/room/room-host.ts";
import { MEDIUM_PUZZLE } from "../../testkit/room-fixture.ts";

function events(client: FakeClient): BatchEvent[] {
  return client.socket.received.flatMap((message) => (message.type === "batch" ? message.events : []));
}
function errors(client: FakeClient): Array<Extract<ServerMessage, { type: "error" }>> {
  return client.socket.received.filter((message): message is Extract<ServerMessage, { type: "error" }> => message.type === "error");
}
function command(client: FakeClient, command: HostCommand): void {
  client.send({ type: "host", command });
}
function lastControls(client: FakeClient): Extract<BatchEvent, { type: "room-controls" }> | undefined {
  return events(client).filter((event): event is Extract<BatchEvent, { type: "room-controls" }> => event.type === "room-controls").at(-1);
}
function welcomeOf(client: FakeClient): Extract<ServerMessage, { type: "welcome" }> | undefined {
  return client.socket.received.find((message): message is Extract<ServerMessage, { type: "welcome" }> => message.type === "welcome");
}
/** Lets the WebCrypto work of a password hello finish. */
async function hashed(room: InMemoryRoom, done: () => boolean): Promise<void> {
  for (let tries = 0; tries < 200 && !done(); tries++) await new Promise((resolve) => setTimeout(resolve, 10));
  room.settle();
}

function roomWithHost(): { room: InMemoryRoom; host: FakeClient; guest: FakeClient } {
  const room = new InMemoryRoom();
  const host = room.connect();
  host.hello("Host", { create: SMALL_PUZZLE });
  const guest = room.connect();
  guest.hello("Guest");
  room.settle();
  return { room, host, guest };
}

describe("the host seat", () => {
  it("the creator is the host, and everyone is told", () => {
    const { host, guest } = roomWithHost();
    expect(lastControls(host)).toMatchObject({ hostId: host.playerId, locked: false, watchOnly: false, private: false });
    expect(lastControls(guest)).toMatchObject({ hostId: host.playerId });
  });

  it("a host command from a non-host is refused with not-host and changes nothing", () => {
    const { room, host, guest } = roomWithHost();
    for (const refused of [{ control: "kick", playerId: host.playerId! }, { control: "lock", on: true }, { control: "watch-only", on: true }, { control: "restart", create: MEDIUM_PUZZLE }] as HostCommand[]) {
      const before = errors(guest).length;
      command(guest, refused);
      room.settle();
      expect(errors(guest).slice(before)).toEqual([expect.objectContaining({ code: "not-host" })]);
    }
    expect(host.socket.closed).toBeNull();
    expect(lastControls(guest)).toMatchObject({ locked: false, watchOnly: false });
    expect(room.core.summary().pieces).toBe(4);
  });

  it("a kick of someone not in the room is refused with no-such-player", () => {
    const { room, host, guest } = roomWithHost();
    command(host, { control: "kick", playerId: "nobody" });
    command(host, { control: "kick", playerId: host.playerId! });
    room.settle();
    expect(errors(host).map((error) => error.code)).toEqual(["no-such-player", "no-such-player"]);
    expect(guest.socket.closed).toBeNull();
  });

  it("a kicked player is closed with the reason, everyone is told, and may come back", () => {
    const { room, host, guest } = roomWithHost();
    command(host, { control: "kick", playerId: guest.playerId!, reason: "take a break" });
    room.settle();
    expect(guest.socket.closed).toEqual({ code: CLOSE_KICKED, reason: "removed by the host: take a break" });
    expect(events(host)).toContainEqual({ type: "kicked", playerId: guest.playerId, name: "Guest", banned: false, reason: "take a break" });
    const again = room.connect();
    again.hello("Guest", { token: guest.token! });
    expect(welcomeOf(again)?.playerId).toBe(guest.playerId);
  });

  it("a banned token is refused from then on, also after a restart of the room", async () => {
    const { room, host, guest } = roomWithHost();
    command(host, { control: "ban", playerId: guest.playerId! });
    room.settle();
    expect(guest.socket.closed?.code).toBe(CLOSE_BANNED);
    const again = room.connect();
    again.hello("Guest", { token: guest.token! });
    expect(errors(again)).toEqual([expect.objectContaining({ code: "banned" })]);
    expect(again.socket.closed?.code).toBe(CLOSE_BANNED);
    const reloaded = new InMemoryRoom({ storage: room.storage });
    await reloaded.core.load();
    const later = reloaded.connect();
    later.hello("Guest", { token: guest.token! });
    expect(later.socket.closed?.code).toBe(CLOSE_BANNED);
    expect(JSON.stringify((await room.storage.get([HOST_KEY])).get(HOST_KEY))).toContain(guest.token!);
  });

  it("the host kicks a watcher, and bans one by the token it watches with; a watcher that left cannot be kicked", () => {
    const { room, host, guest } = roomWithHost();
    const [rude, ruder] = [room.connect(), room.connect()];
    rude.hello("Rude", { role: "watcher" });
    ruder.hello("Ruder", { role: "watcher" });
    room.settle();
    expect(room.core.summary()).toMatchObject({ watchers: 2 });
    command(host, { control: "kick", playerId: rude.playerId!, reason: "be kind" });
    command(host, { control: "ban", playerId: ruder.playerId! });
    room.settle();
    expect(rude.socket.closed).toEqual({ code: CLOSE_KICKED, reason: "removed by the host: be kind" });
    expect(ruder.socket.closed?.code).toBe(CLOSE_BANNED);
    expect(events(guest)).toContainEqual({ type: "kicked", playerId: rude.playerId, name: "Rude", banned: false, reason: "be kind" });
    expect(events(guest)).toContainEqual({ type: "kicked", playerId: ruder.playerId, name: "Ruder", banned: true, reason: "" });
    expect(room.core.summary()).toMatchObject({ watchers: 0, players: 2 });
    const back = room.connect();
    back.hello("Ruder", { role: "watcher", token: ruder.token! });
    expect(back.socket.closed?.code).toBe(CLOSE_BANNED);
    const before = errors(host).length;
    command(host, { control: "kick", playerId: rude.playerId! });
    room.settle();
    expect(errors(host).slice(before)).toEqual([expect.objectContaining({ code: "no-such-player" })]);
  });

  it("a player cannot kick a watcher", () => {
    const { room, guest } = roomWithHost();
    const watcher = room.connect();
    watcher.hello("W", { role: "watcher" });
    room.settle();
    command(guest, { control: "kick", playerId: watcher.playerId! });
    room.settle();
    expect(errors(guest)).toEqual([expect.objectContaining({ code: "not-host" })]);
    expect(watcher.socket.closed).toBeNull();
  });

  it("a locked room admits a new player as a watcher (locked), refuses its seat, and lets a player resume", () => {
    const { room, host, guest } = roomWithHost();
    command(host, { control: "lock", on: true });
    room.settle();
    expect(lastControls(guest)).toMatchObject({ locked: true });
    const late = room.connect();
    late.hello("Late");
    expect(welcomeOf(late)).toMatchObject({ role: "watcher", watchingBecause: "locked" });
    late.send({ type: "seat" });
    expect(errors(late)).toEqual([expect.objectContaining({ code: "room-locked" })]);
    guest.disconnect();
    const back = room.connect();
    back.hello("Guest", { token: guest.token! });
    expect(welcomeOf(back)).toMatchObject({ role: "player", playerId: guest.playerId });
  });

  it("watch-only refuses every action, the host's too", () => {
    const { room, host, guest } = roomWithHost();
    command(host, { control: "watch-only", on: true });
    room.settle();
    const seqs = [host.act({ type: "grab", pieceId: 0 }), guest.act({ type: "grab", pieceId: 1 })];
    room.settle();
    expect(events(host)).toContainEqual({ type: "reject", seq: seqs[0], reason: "watch-only" });
    expect(events(guest)).toContainEqual({ type: "reject", seq: seqs[1], reason: "watch-only" });
    expect(room.core.summary().actionsApplied).toBe(0);
  });

  it("a host away for HOST_AWAY_MS hands the seat to the longest-present player", () => {
    const { room, host, guest } = roomWithHost();
    room.advance(1_000);
    const third = room.connect();
    third.hello("Third");
    room.settle();
    host.disconnect();
    room.advance(HOST_AWAY_MS - 1_000);
    expect(lastControls(guest)?.hostId).toBe(host.playerId);
    room.advance(2_000);
    room.settle();
    expect(events(third)).toContainEqual({ type: "host-passed", hostId: guest.playerId, fromId: host.playerId });
    expect(lastControls(third)?.hostId).toBe(guest.playerId);
  });

  it("a host back within HOST_AWAY_MS keeps the seat", () => {
    const { room, host, guest } = roomWithHost();
    host.disconnect();
    room.advance(HOST_AWAY_MS / 2);
    const back = room.connect();
    back.hello("Host", { token: host.token! });
    room.advance(HOST_AWAY_MS);
    room.settle();
    expect(events(guest).some((event) => event.type === "host-passed")).toBe(false);
  });

  it("restart starts a fresh puzzle, with progress and the log over, and closes every socket to load it", async () => {
    const { room, host, guest } = roomWithHost();
    host.act({ type: "grab", pieceId: 0 });
    host.act({ type: "drop", pieceId: 0, x: 10, y: 10 });
    room.settle();
    expect(room.core.summary().actionsApplied).toBe(2);
    command(host, { control: "restart", create: MEDIUM_PUZZLE });
    room.settle();
    expect(host.socket.closed?.code).toBe(CLOSE_RESTARTED);
    expect(guest.socket.closed?.code).toBe(CLOSE_RESTARTED);
    expect(room.core.summary()).toMatchObject({ pieces: 96, actionsApplied: 0, version: 0, connected: 0 });
    const reloaded = new InMemoryRoom({ storage: room.storage });
    await reloaded.core.load();
    expect(reloaded.core.summary()).toMatchObject({ pieces: 96, actionsApplied: 0 });
    const page = await reloaded.core.logPage(undefined);
    expect(page).toMatchObject({ ok: true, page: { total: 0, first: 0 } });
    const back = reloaded.connect();
    back.hello("Host", { token: host.token! });
    expect(welcomeOf(back)?.snapshot.spec.seed).toBe(MEDIUM_PUZZLE.seed);
    reloaded.settle();
    expect(lastControls(back)?.hostId).toBe(host.playerId);
  });
});

describe("a private room", () => {
  async function privateRoom(): Promise<{ room: InMemoryRoom; host: FakeClient }> {
    const room = new InMemoryRoom();
    const host = room.connect();
    host.send({ type: "hello", protocol: PROTOCOL_VERSION, name: "Host", create: SMALL_PUZZLE, password: "sesame" });
    await hashed(room, () => welcomeOf(host) !== undefined);
    host.sync();
    return { room, host };
  }

  it("stores only a hash, and tells everyone the room is private", async () => {
    const { room, host } = await privateRoom();
    expect(lastControls(host)).toMatchObject({ private: true });
    expect(JSON.stringify([...(await room.storage.get([HOST_KEY, "meta"])).values()])).not.toContain("sesame");
  });

  it("admits the right password, refuses a wrong or a missing one, and a resuming player needs none", async () => {
    const { room, host } = await privateRoom();
    const right = room.connect();
    right.send({ type: "hello", protocol: PROTOCOL_VERSION, name: "Friend", password: "sesame" });
    const wrong = room.connect();
    wrong.send({ type: "hello", protocol: PROTOCOL_VERSION, name: "Stranger", password: "open" });
    const none = room.connect();
    none.send({ type: "hello", protocol: PROTOCOL_VERSION, name: "Passer-by" });
    await hashed(room, () => welcomeOf(right) !== undefined && wrong.socket.closed !== null && none.socket.closed !== null);
    expect(welcomeOf(right)?.role).toBe("player");
    expect(errors(wrong)).toEqual([expect.objectContaining({ code: "wrong-password" })]);
    expect(wrong.socket.closed?.code).toBe(CLOSE_PASSWORD);
    expect(errors(none)).toEqual([expect.objectContaining({ code: "password-required" })]);
    host.disconnect();
    const back = room.connect();
    back.hello("Host", { token: host.token! });
    expect(welcomeOf(back)?.playerId).toBe(host.playerId);
  });

  it("a password sent to a room that has none is refused", () => {
    const { room } = roomWithHost();
    const client = room.connect();
    client.send({ type: "hello", protocol: PROTOCOL_VERSION, name: "Lost", password: "sesame" });
    expect(errors(client)).toEqual([expect.objectContaining({ code: "no-password" })]);
    expect(room.core.summary().players).toBe(2);
  });
});
