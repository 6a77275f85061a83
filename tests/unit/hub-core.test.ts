/**
 * HubCore in-process: the stateless hub with a fake host whose `invoke` the
 * test controls (by default the real read-modify-write over a store in
 * memory). Covers a normal join and act, a failing invocation, and failures the
 * hub does not expect (a corrupt stored document, an answer of the wrong kind,
 * a release that breaks): each must reach the client as a typed server-error
 * and the log as one line, never as an unhandled rejection, which would fail
 * this run.
 */
import { afterEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { HubCore } from "../../party/stateless/hub-core.ts";
import type { Invocation, InvocationMetrics, InvocationResult } from "../../party/stateless/invocation.ts";
import { readModifyWrite } from "../../party/stateless/read-modify-write.ts";
import type { StoreRead, StoreWrite } from "../../party/stateless/store-client.ts";
import { CLOSE_REFUSED, PROTOCOL_VERSION, type ServerMessage } from "../../shared/protocol.ts";
import type { PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { FakeSocket } from "../../testkit/in-memory-room.ts";

const FOUR: PuzzleOptions = { imageId: "test", imageWidth: 400, imageHeight: 400, pieceCount: 4, seed: 7 };
const NOW_MS = 1_700_000_000_000;

type Invoke = (invocation: Invocation) => Promise<InvocationResult>;

/** The function's real body over one document kept in memory: what a hub's invocations do, minus the network. */
function memoryFunction(): { invoke: Invoke; document: () => string | null } {
  let text: string | null = null;
  let revision = 0;
  const store = {
    read: async (): Promise<StoreRead> => (text === null ? { found: false, revision: 0 } : { found: true, revision, text, bytes: text.length }),
    write: async (written: string): Promise<StoreWrite> => {
      text = written;
      revision++;
      return { stored: true, revision, bytes: written.length };
    },
  };
  const invoke: Invoke = async (invocation) => {
    const metrics: InvocationMetrics = { coldStart: false, attempts: 0, conflicts: 0, storeBytesRead: 0, storeBytesWritten: 0, durationMs: 0 };
    const outcome = await readModifyWrite(invocation, { store, now: () => NOW_MS, config: { occMaxRetries: 5, occBackoffMs: 0 } }, metrics);
    return { outcome, metrics };
  };
  return { invoke, document: () => text };
}

const metrics: InvocationMetrics = { coldStart: false, attempts: 1, conflicts: 0, storeBytesRead: 0, storeBytesWritten: 0, durationMs: 0 };

class Hub {
  readonly core: HubCore;
  /** What the hub's invocations go to; a test may swap it. */
  invoke: Invoke;
  readonly invocations: Invocation[] = [];
  private sockets = 0;

  constructor(invoke: Invoke = memoryFunction().invoke) {
    this.invoke = invoke;
    let ids = 0;
    this.core = new HubCore(
      {
        invoke: (invocation) => {
          this.invocations.push(invocation);
          return this.invoke(invocation);
        },
        now: () => NOW_MS,
        randomId: () => `id-${++ids}-0123456789abcdef`,
        requestCursorFlush: () => undefined,
      },
      { mode: "stateless", maxPlayers: 8, documentId: "stateless.test" },
    );
  }

  connect(): FakeSocket {
    const socket = new FakeSocket(`s${++this.sockets}`, [], () => NOW_MS);
    this.core.connect(socket);
    return socket;
  }

  send(socket: FakeSocket, message: Record<string, unknown>): void {
    this.core.receive(socket.id, JSON.stringify(message));
  }

  hello(socket: FakeSocket, name: string, create?: PuzzleOptions): void {
    this.send(socket, { type: "hello", protocol: PROTOCOL_VERSION, name, ...(create ? { create } : {}) });
  }
}

/** Lets every pending invocation and what follows it run (no timers are involved). */
async function settle(): Promise<void> {
  for (let round = 0; round < 5; round++) await new Promise((resolve) => setImmediate(resolve));
}

const welcomeOf = (socket: FakeSocket) => socket.received.find((message) => message.type === "welcome");
const errorsOf = (socket: FakeSocket) => socket.received.filter((message): message is Extract<ServerMessage, { type: "error" }> => message.type === "error");
const eventsOf = (socket: FakeSocket) => socket.received.flatMap((message) => (message.type === "batch" ? message.events : []));

let consoleError: MockInstance<typeof console.error>;
function captureLog(): MockInstance<typeof console.error> {
  consoleError = vi.spyOn(console, "error").mockImplementation(() => undefined);
  return consoleError;
}
afterEach(() => consoleError?.mockRestore());

/** Two players in a 4-piece room, both welcomed. */
async function joinedPair(hub: Hub): Promise<{ ann: FakeSocket; bob: FakeSocket }> {
  const ann = hub.connect();
  hub.hello(ann, "Ann", FOUR);
  await settle();
  const bob = hub.connect();
  hub.hello(bob, "Bob");
  await settle();
  return { ann, bob };
}

describe("watching in the stateless modes", () => {
  it("is not offered: a watching hello and a seat request get a sentence, a full hub still refuses", async () => {
    const hub = new Hub();
    const { ann } = await joinedPair(hub);
    const watcher = hub.connect();
    hub.send(watcher, { type: "hello", protocol: PROTOCOL_VERSION, name: "Wes", role: "watcher" });
    await settle();
    expect(errorsOf(watcher)).toEqual([{ type: "error", code: "watching", message: expect.stringContaining("watching needs the stateful room") }]);
    expect(watcher.closed?.code).toBe(CLOSE_REFUSED);
    hub.send(ann, { type: "seat" });
    expect(errorsOf(ann)).toEqual([{ type: "error", code: "watching", message: expect.stringContaining("stateful room") }]);
  });
});

describe("what the stateless modes do not offer: private rooms and the public lobby", () => {
  const refusals = [
    { name: "a password", extra: { password: "sesame" }, code: "no-password", sentence: "no private rooms" },
    { name: "listed: true", extra: { listed: true }, code: "listing-off", sentence: "never listed" },
  ] as const;

  it.each(refusals)("a creating hello with $name is refused, typed and closed, and no puzzle is made", async ({ extra, code, sentence }) => {
    const store = memoryFunction();
    const hub = new Hub(store.invoke);
    const ann = hub.connect();
    hub.send(ann, { type: "hello", protocol: PROTOCOL_VERSION, name: "Ann", create: FOUR, ...extra });
    await settle();
    expect(errorsOf(ann)).toEqual([{ type: "error", code, message: expect.stringContaining(sentence) }]);
    expect(ann.closed?.code).toBe(CLOSE_REFUSED);
    expect(welcomeOf(ann)).toBeUndefined();
    expect(hub.invocations).toEqual([]);
    expect(store.document()).toBeNull();
    expect(hub.core.publicPlayers()).toEqual([]);
  });

  it.each(refusals)("a joining hello with $name is refused and adds no player; the others hear nothing", async ({ extra, code }) => {
    const hub = new Hub();
    const { ann, bob } = await joinedPair(hub);
    const heard = ann.received.length;
    const loads = hub.invocations.length;
    const cy = hub.connect();
    hub.send(cy, { type: "hello", protocol: PROTOCOL_VERSION, name: "Cy", ...extra });
    await settle();
    expect(errorsOf(cy).map((error) => error.code)).toEqual([code]);
    expect(cy.closed?.code).toBe(CLOSE_REFUSED);
    expect(hub.invocations).toHaveLength(loads);
    expect(hub.core.publicPlayers().map((player) => player.name)).toEqual(["Ann", "Bob"]);
    expect(ann.received.slice(heard)).toEqual([]);
    expect(errorsOf(bob)).toEqual([]);
  });

  it("listed: false and no password are served as before", async () => {
    const hub = new Hub();
    const ann = hub.connect();
    hub.send(ann, { type: "hello", protocol: PROTOCOL_VERSION, name: "Ann", create: FOUR, listed: false });
    await settle();
    expect(welcomeOf(ann)).toBeDefined();
    expect(errorsOf(ann)).toEqual([]);
  });
});

describe("HubCore with a working function", () => {
  it("a hello creates the puzzle through the function; a second player joins it and both hear of each other", async () => {
    const hub = new Hub();
    const { ann, bob } = await joinedPair(hub);
    const annWelcome = welcomeOf(ann);
    const bobWelcome = welcomeOf(bob);
    if (annWelcome?.type !== "welcome" || bobWelcome?.type !== "welcome") return expect.fail("both players should be welcomed");
    expect(annWelcome.mode).toBe("stateless");
    expect(annWelcome.snapshot.pieces).toHaveLength(4);
    expect(bobWelcome.snapshot.pieces).toEqual(annWelcome.snapshot.pieces);
    expect(bobWelcome.snapshot.players.map((player) => player.name)).toEqual(["Ann", "Bob"]);
    expect(eventsOf(ann)).toContainEqual({ type: "player-joined", player: expect.objectContaining({ id: bobWelcome.playerId, name: "Bob" }) });
    expect(hub.invocations.map((invocation) => invocation.operation.kind)).toEqual(["load", "load"]);
    expect(hub.core.connectedCount()).toBe(2);
  });

  it("an action goes through the function: the sender gets its ack, the others the change", async () => {
    const hub = new Hub();
    const { ann, bob } = await joinedPair(hub);
    const annId = (welcomeOf(ann) as Extract<ServerMessage, { type: "welcome" }>).playerId;
    hub.send(ann, { type: "grab", seq: 1, pieceId: 2 });
    await settle();
    expect(eventsOf(ann)).toContainEqual({ type: "ack", seq: 1, version: expect.any(Number) });
    expect(eventsOf(bob)).toContainEqual({ type: "holds", holds: [[expect.any(Number), annId, 2]] });
    expect(hub.core.actionsApplied).toBe(1);
    hub.send(bob, { type: "grab", seq: 1, pieceId: 2 });
    await settle();
    expect(eventsOf(bob)).toContainEqual({ type: "reject", seq: 1, reason: "held-by-other" });
    expect(hub.core.actionsRejected).toBe(1);
  });

  it("a second hello while the first is loading gets already-joined; an action before the welcome gets not-joined", async () => {
    const hub = new Hub();
    const ann = hub.connect();
    hub.hello(ann, "Ann", FOUR);
    hub.hello(ann, "Ann", FOUR);
    hub.send(ann, { type: "grab", seq: 1, pieceId: 0 });
    expect(errorsOf(ann).map((error) => error.code)).toEqual(["already-joined", "not-joined"]);
    await settle();
    expect(welcomeOf(ann)).toBeDefined();
    expect(hub.invocations).toHaveLength(1);
  });

  it("a socket that closes while its hello loads is never welcomed", async () => {
    const hub = new Hub();
    const ann = hub.connect();
    hub.hello(ann, "Ann", FOUR);
    hub.core.disconnect(ann.id);
    await settle();
    expect(ann.received).toEqual([]);
    expect(hub.core.connectedCount()).toBe(0);
  });
});

describe("HubCore when the function fails", () => {
  it("a failed invocation is counted and logged; a hello hears the store could not be reached and may retry", async () => {
    const log = captureLog();
    const working = memoryFunction().invoke;
    const hub = new Hub(() => Promise.reject(new Error("function pool-3 answered 500: boom")));
    const ann = hub.connect();
    hub.hello(ann, "Ann", FOUR);
    await settle();
    expect(errorsOf(ann)).toEqual([{ type: "error", code: "no-puzzle", message: expect.stringContaining("could not be reached") }]);
    expect(hub.core.counters.failures).toBe(1);
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]![0])).toMatch(/load .*failed: function pool-3 answered 500: boom$/);

    hub.invoke = working;
    hub.hello(ann, "Ann", FOUR);
    await settle();
    expect(welcomeOf(ann)).toBeDefined();
  });

  it("an action whose invocation fails gets no answer, as a crashed function gives none, and the room goes on", async () => {
    const hub = new Hub();
    const { ann, bob } = await joinedPair(hub);
    const log = captureLog();
    const working = hub.invoke;
    hub.invoke = () => Promise.reject(new Error("store unreachable"));
    const before = ann.received.length;
    hub.send(ann, { type: "grab", seq: 1, pieceId: 0 });
    await settle();
    expect(ann.received.slice(before)).toEqual([]);
    expect(hub.core.counters.failures).toBe(1);
    expect(log).toHaveBeenCalledTimes(1);
    hub.invoke = working;
    hub.send(bob, { type: "grab", seq: 1, pieceId: 0 });
    await settle();
    expect(eventsOf(bob)).toContainEqual({ type: "ack", seq: 1, version: expect.any(Number) });
  });
});

describe("HubCore when something it did not expect happens", () => {
  it("a corrupt stored document gets the hello a server-error and one log line; the player may retry", async () => {
    const log = captureLog();
    const hub = new Hub(async () => ({ outcome: { kind: "loaded", document: "{ this is not json" }, metrics }));
    const ann = hub.connect();
    hub.hello(ann, "Ann", FOUR);
    await settle();
    expect(errorsOf(ann)).toEqual([{ type: "error", code: "server-error", message: expect.stringMatching(/^the server failed .+\S$/) }]);
    expect(ann.closed).toBeNull();
    expect(log).toHaveBeenCalledTimes(1);
    expect(log.mock.calls[0]).toHaveLength(1);
    expect(String(log.mock.calls[0]![0])).toMatch(/^server error: a hello from connection s1 failed: .*JSON/);
    expect(hub.core.connectedCount()).toBe(0);

    // The failed hello left the socket able to join, not stuck loading.
    hub.invoke = memoryFunction().invoke;
    hub.hello(ann, "Ann", FOUR);
    await settle();
    expect(welcomeOf(ann)).toBeDefined();
  });

  it("a stored value that is JSON but not a puzzle document is a server-error too", async () => {
    const log = captureLog();
    const hub = new Hub(async () => ({ outcome: { kind: "loaded", document: JSON.stringify({ hello: "world" }) }, metrics }));
    const ann = hub.connect();
    hub.hello(ann, "Ann", FOUR);
    await settle();
    expect(errorsOf(ann).map((error) => error.code)).toEqual(["server-error"]);
    expect(String(log.mock.calls[0]![0])).toContain("not a puzzle document");
  });

  it("a load answered with an outcome no load gives is a server-error", async () => {
    const log = captureLog();
    const hub = new Hub(async () => ({ outcome: { kind: "unchanged" }, metrics }));
    const ann = hub.connect();
    hub.hello(ann, "Ann", FOUR);
    await settle();
    expect(errorsOf(ann).map((error) => error.code)).toEqual(["server-error"]);
    expect(String(log.mock.calls[0]![0])).toContain("a load answered unchanged");
  });

  it("an action answered with an outcome no action gives is a server-error, and only its sender hears of it", async () => {
    const hub = new Hub();
    const { ann, bob } = await joinedPair(hub);
    const log = captureLog();
    const working = hub.invoke;
    hub.invoke = async () => ({ outcome: { kind: "loaded", document: "{}" }, metrics });
    const seen = bob.received.length;
    hub.send(ann, { type: "move", seq: 7, pieceId: 0, x: 1, y: 1 });
    await settle();
    expect(errorsOf(ann)).toEqual([{ type: "error", code: "server-error", message: expect.stringContaining("move") }]);
    expect(bob.received.slice(seen)).toEqual([]);
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]![0])).toContain("an action answered loaded");
    hub.invoke = working;
    hub.send(ann, { type: "grab", seq: 8, pieceId: 0 });
    await settle();
    expect(eventsOf(ann)).toContainEqual({ type: "ack", seq: 8, version: expect.any(Number) });
  });

  it("a release after a disconnect that breaks is logged, and the others keep being served", async () => {
    const hub = new Hub();
    const { ann, bob } = await joinedPair(hub);
    const log = captureLog();
    const working = hub.invoke;
    // An applied outcome missing its changes: pushing it throws.
    hub.invoke = async () => ({ outcome: { kind: "applied", version: 9 } as unknown as InvocationResult["outcome"], metrics });
    hub.core.disconnect(ann.id);
    await settle();
    expect(eventsOf(bob)).toContainEqual({ type: "player-left", playerId: expect.any(String) });
    expect(log).toHaveBeenCalledTimes(1);
    expect(String(log.mock.calls[0]![0])).toMatch(/^server error: the release of .+ failed: /);
    hub.invoke = working;
    hub.send(bob, { type: "grab", seq: 1, pieceId: 1 });
    await settle();
    expect(eventsOf(bob)).toContainEqual({ type: "ack", seq: 1, version: expect.any(Number) });
  });
});
