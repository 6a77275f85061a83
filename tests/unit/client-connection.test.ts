/**
 * client/net/connection.ts over a fake WebSocket and fake timers: it answers
 * the server's heartbeat (and the store never sees it), reconnects a socket
 * that stays silent past SILENCE_TIMEOUT_MS (a zombie heals itself), stays
 * closed after a refusal for good, and refuses a link whose room id is not
 * one without opening anything. Counts of sockets and frames, no wall clock.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { CLOSE_FLOODING, CLOSE_REFUSED, PROTOCOL_VERSION, type ServerMessage } from "../../shared/protocol.ts";
import type { LinkStatus } from "../../client/store/room-link.ts";

class FakeWebSocket extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static readonly all: FakeWebSocket[] = [];
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readyState = 0;
  binaryType = "blob";
  readonly sent: string[] = [];

  constructor(readonly url: string) {
    super();
    FakeWebSocket.all.push(this);
  }

  send(frame: string): void {
    this.sent.push(frame);
  }

  close(): void {
    this.readyState = 3;
  }

  // ---- the server's side ----

  open(): void {
    this.readyState = 1;
    this.dispatchEvent(new Event("open"));
  }

  deliver(message: ServerMessage): void {
    this.dispatchEvent(new MessageEvent("message", { data: JSON.stringify(message) }));
  }

  closeFromServer(code: number, reason: string): void {
    this.readyState = 3;
    this.dispatchEvent(Object.assign(new Event("close"), { code, reason, wasClean: true }));
  }

  frames(): Array<{ type: string; t?: number }> {
    return this.sent.map((frame) => JSON.parse(frame) as { type: string; t?: number });
  }
}

const sessionValues = new Map<string, string>();

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "performance", "Date"] });
  FakeWebSocket.all.length = 0;
  sessionValues.clear();
  vi.stubGlobal("WebSocket", FakeWebSocket);
  vi.stubGlobal("location", { protocol: "http:", host: "localhost" });
  vi.stubGlobal("sessionStorage", { getItem: (key: string) => sessionValues.get(key) ?? null, setItem: (key: string, value: string) => void sessionValues.set(key, value) });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

async function connected(room = "room-1") {
  const { Connection, SILENCE_TIMEOUT_MS } = await import("../../client/net/connection.ts");
  const connection = new Connection({ host: "localhost:1999", room, mode: "stateful", name: "Ann" });
  const frames: ServerMessage[] = [];
  const statuses: LinkStatus[] = [];
  connection.onFrame((message) => frames.push(message));
  connection.onStatus((status) => statuses.push(status));
  connection.connect();
  await vi.advanceTimersByTimeAsync(10);
  return { connection, frames, statuses, SILENCE_TIMEOUT_MS };
}

describe("the client's connection", () => {
  it("answers the server's heartbeat with its t, and the store never sees it", async () => {
    const { frames } = await connected();
    const socket = FakeWebSocket.all[0]!;
    socket.open();
    expect(socket.frames()[0]).toMatchObject({ type: "hello", protocol: PROTOCOL_VERSION, name: "Ann" });
    socket.deliver({ type: "ping", t: 4_242 });
    socket.deliver({ type: "ping", t: 17 });
    expect(socket.frames().filter((frame) => frame.type === "pong")).toEqual([{ type: "pong", t: 4_242 }, { type: "pong", t: 17 }]);
    expect(frames).toEqual([]);
  });

  it("reconnects a socket that brings nothing for SILENCE_TIMEOUT_MS, and keeps one that talks", async () => {
    const { statuses, SILENCE_TIMEOUT_MS } = await connected();
    const first = FakeWebSocket.all[0]!;
    first.open();
    // The server answers: a heartbeat every second keeps the socket.
    for (let second = 0; second < 3 * (SILENCE_TIMEOUT_MS / 1000); second++) {
      first.deliver({ type: "ping", t: second });
      await vi.advanceTimersByTimeAsync(1_000);
    }
    expect(FakeWebSocket.all).toHaveLength(1);
    // Then nothing comes, as from a socket the server no longer serves.
    await vi.advanceTimersByTimeAsync(SILENCE_TIMEOUT_MS + 2_500);
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(statuses.at(-1)?.state).toBe("reconnecting");
    const second = FakeWebSocket.all[1]!;
    second.open();
    expect(second.frames()[0]).toMatchObject({ type: "hello" });
  });

  it("reconnects after a flood close, and stays closed after a refusal for good, saying why", async () => {
    const { statuses } = await connected();
    FakeWebSocket.all[0]!.open();
    FakeWebSocket.all[0]!.closeFromServer(CLOSE_FLOODING, "closed for flooding");
    // partysocket waits its reconnection delay (300 ms to start with), then opens a new socket.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(FakeWebSocket.all).toHaveLength(2);
    FakeWebSocket.all[1]!.open();
    FakeWebSocket.all[1]!.closeFromServer(CLOSE_REFUSED, "name: Type a name with at least one visible character.");
    await vi.advanceTimersByTimeAsync(30_000);
    expect(FakeWebSocket.all).toHaveLength(2);
    expect(statuses.at(-1)).toMatchObject({ state: "closed", refusal: { code: "refused", reason: "name: Type a name with at least one visible character." } });
  });

  it("refuses a link whose room id is not one, without opening a socket", async () => {
    const { statuses } = await connected("not a room/..");
    expect(FakeWebSocket.all).toHaveLength(0);
    expect(statuses.at(-1)).toMatchObject({ state: "closed", refusal: { code: "refused", reason: expect.stringMatching(/is not a room id/) } });
  });
});
