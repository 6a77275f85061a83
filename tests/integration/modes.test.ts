/**
 * One scripted concurrent workload (testkit/modes-scenario.ts: 16 players
 * each dragging their own piece at 20 Hz for 3 s and dropping it, 2 more trying
 * to take pieces from them) against every mode through one real `partykit dev`.
 * The verdict compares the final stored state with every client's acknowledged
 * moves and every client's replica with that state, so it measures loss
 * instead of assuming it: the stateful room and the optimistic-concurrency
 * backend must lose nothing, the naive stateless backend must be caught losing.
 *
 * The stateless hubs also speak the room's protocol at its edges: bad input gets
 * the same typed errors and changes nothing, so does a hello asking for a
 * private room or a listing (which only the stateful room offers), the store and the functions stay
 * private, and a nonsensical setting stops the hub with a message naming it.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPartykitDev, type PartykitDev } from "../../testkit/partykit-dev.ts";
import { snapshotProject, type ProjectSnapshot } from "../../testkit/project-snapshot.ts";
import { runModesScenario, type ModesScenarioResult } from "../../testkit/modes-scenario.ts";
import { ProtocolClient, type ProtocolClientOptions } from "../../testkit/protocol-client.ts";
import { roomState, roomSummary } from "../../testkit/room-fixture.ts";
import { CLOSE_REFUSED, PARTY_FOR_MODE, PROTOCOL_VERSION, type Mode } from "../../shared/protocol.ts";

const OWNERS = 16;
const CREATE = { imageId: "input", imageWidth: 400, imageHeight: 400, pieceCount: 4, seed: 3 };

/**
 * Small but real distances: every store trip waits 8-12 ms and some calls boot,
 * so a read and its write are ~25 ms apart while 300+ actions per second flow.
 * Nothing here decides who wins a race; only timing does.
 */
const VARS = {
  STORE_LATENCY_MS: "8",
  STORE_JITTER_MS: "4",
  COLD_START_MS: "100",
  COLD_START_RATE: "0.02",
  FN_POOL_SIZE: "4",
  OCC_MAX_RETRIES: "8",
  OCC_BACKOFF_MS: "10",
};

let server: PartykitDev;
/** A frozen copy: an edit or a client build elsewhere must not restart the server mid-run. */
let project: ProjectSnapshot;

beforeAll(async () => {
  project = snapshotProject();
  server = await startPartykitDev({ cwd: project.dir, vars: VARS });
});

afterAll(async () => {
  // A failed function invocation answers nobody; its error is only in the server's log.
  // (workerd also logs a harmless "disconnected" when a socket closes right after a refusal.)
  const problems = server?.output().split("\n").filter((line) => /stateless function failed|Uncaught \(in promise\)|onRequest error/.test(line));
  if (problems?.length) console.log(`partykit dev reported:\n${problems.slice(-20).join("\n")}`);
  await server?.stop();
  project?.remove();
});

const host = () => `127.0.0.1:${server.port}`;

async function run(mode: Mode): Promise<ModesScenarioResult> {
  const result = await runModesScenario({ host: host(), mode, owners: OWNERS });
  report(result);
  return result;
}

describe("the same concurrent workload against every mode", () => {
  test("stateful: no acknowledged move is lost and every client converges", async () => {
    const { judgement } = await run("stateful");
    expect(judgement.actions.acknowledged).toBeGreaterThan(OWNERS * 20);
    expect(judgement.lostMoves.judged).toBe(OWNERS);
    expect(judgement.lostMoves.lostPieces).toEqual([]);
    expect(judgement.desyncPerClient.every((pieces) => pieces === 0)).toBe(true);
  });

  test("stateless: the read-modify-write race loses acknowledged moves and desyncs clients", async () => {
    const { judgement, summary } = await run("stateless");
    const { functions, store } = summary.backend!;
    expect(functions.failures).toBe(0);
    expect(functions.retries).toBe(0);
    // The store's own view of the race: writes built on a revision already overwritten.
    expect(store.staleWrites).toBeGreaterThan(0);
    expect(judgement.lostMoves.judged).toBeGreaterThan(0);
    expect(judgement.lostMoves.lost).toBeGreaterThan(0);
    expect(Math.max(...judgement.desyncPerClient)).toBeGreaterThan(0);
  });

  test("stateless-occ: version checks lose nothing, at the price of retries", async () => {
    const { judgement, summary } = await run("stateless-occ");
    const { functions, store } = summary.backend!;
    expect(functions.failures).toBe(0);
    expect(judgement.lostMoves.judged).toBeGreaterThan(0);
    expect(judgement.lostMoves.lostPieces).toEqual([]);
    expect(functions.retries).toBeGreaterThan(0);
    expect(store.conflicts).toBeGreaterThan(0);
    expect(store.staleWrites).toBe(0);
  });
});

describe.each(["stateless", "stateless-occ"] as const)("%s hub", (mode) => {
  const party = PARTY_FOR_MODE[mode];

  test("refuses bad frames with typed errors and changes nothing", async () => {
    const room = `input-${Date.now()}`;
    const a = await ProtocolClient.join({ host: host(), room, party, name: "A", create: CREATE });
    const b = await ProtocolClient.join({ host: host(), room, party, name: "B" });
    try {
      expect(a.mode).toBe(mode);
      const before = await roomState(server, room, party);
      a.sendRaw("{not json");
      a.sendRaw(JSON.stringify({ type: "teleport", seq: 1 }));
      a.sendRaw(JSON.stringify({ type: "move", seq: 2, pieceId: 0, x: Number.MAX_VALUE, y: 0 }));
      a.sendRaw(new Uint8Array([1, 2, 3]).buffer);
      a.sendRaw(JSON.stringify({ type: "cursor", x: 1, y: "x".repeat(4_000) }));
      a.sendRaw(JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION, name: "again" }));
      await a.until(() => a.errors.length >= 6);
      expect(a.errors.map((error) => error.code)).toEqual(["bad-json", "bad-message", "bad-message", "binary-unsupported", "too-large", "already-joined"]);

      const grabbed = await a.answered(a.act({ type: "grab", pieceId: 1 }));
      expect(grabbed.ackedAtMs).toBeDefined();
      const stolen = await b.answered(b.act({ type: "move", pieceId: 1, x: 10, y: 10 }));
      expect(stolen.rejected).toBe("held-by-other");
      const missing = await b.answered(b.act({ type: "grab", pieceId: 99 }));
      expect(missing.rejected).toBe("no-such-piece");

      const after = await roomState(server, room, party);
      expect(after.snapshot.pieces).toEqual(before.snapshot.pieces);
      expect(after.actionsApplied).toBe(before.actionsApplied + 1);
    } finally {
      a.close();
      b.close();
    }
  });

  test("refuses another protocol version, and a first player without puzzle options", async () => {
    const room = `version-${Date.now()}`;
    await expect(ProtocolClient.join({ host: host(), room, party, name: "old", create: CREATE, protocol: PROTOCOL_VERSION - 1 })).rejects.toThrow(/version-mismatch/);
    await expect(ProtocolClient.join({ host: host(), room, party, name: "nothing" })).rejects.toThrow(/no-puzzle/);
  });

  test("refuses a hello's password and listed: true (no private rooms, never listed), and the refusal changes nothing", async () => {
    const room = `unoffered-${Date.now()}`;
    /** The hello is refused: a typed error, then the close that says retrying cannot help. */
    const refusal = async (options: Omit<ProtocolClientOptions, "host" | "room" | "party">) => {
      const client = new ProtocolClient({ host: host(), room, party, ...options });
      try {
        await client.until(() => client.closeEvents.length > 0 || client.replica !== null);
        return { replica: client.replica, codes: client.errors.map((error) => error.code), close: client.closeEvents[0]?.code };
      } finally {
        client.close();
      }
    };
    expect(await refusal({ name: "Pat", create: CREATE, password: "sesame" })).toEqual({ replica: null, codes: ["no-password"], close: CLOSE_REFUSED });
    expect(await refusal({ name: "Lis", create: CREATE, listed: true })).toEqual({ replica: null, codes: ["listing-off"], close: CLOSE_REFUSED });
    const untouched = await roomSummary(server, room, party);
    expect(untouched).toMatchObject({ created: false, players: 0, version: 0 });
    expect(untouched.backend!.functions.invocations).toBe(0);

    const a = await ProtocolClient.join({ host: host(), room, party, name: "A", create: CREATE });
    try {
      expect(await refusal({ name: "Pat", password: "sesame" })).toMatchObject({ codes: ["no-password"], close: CLOSE_REFUSED });
      expect(await refusal({ name: "Lis", listed: true })).toMatchObject({ codes: ["listing-off"], close: CLOSE_REFUSED });
      expect(await roomSummary(server, room, party)).toMatchObject({ created: true, players: 1, connected: 1 });
      expect(a.replica!.players.size).toBe(1);
    } finally {
      a.close();
    }
  });

  test("a player who leaves lets go of what it held", async () => {
    const room = `leave-${Date.now()}`;
    const a = await ProtocolClient.join({ host: host(), room, party, name: "A", create: CREATE });
    const b = await ProtocolClient.join({ host: host(), room, party, name: "B" });
    try {
      expect((await a.answered(a.act({ type: "grab", pieceId: 2 }))).ackedAtMs).toBeDefined();
      a.close();
      await b.until(() => b.replica!.puzzle.holds.size === 0 && [...b.replica!.players.values()].some((player) => !player.connected));
      expect((await b.answered(b.act({ type: "grab", pieceId: 2 }))).ackedAtMs).toBeDefined();
    } finally {
      b.close();
    }
  });
});

test("the store and the functions cannot be reached from outside", async () => {
  expect((await fetch(`http://${host()}/parties/store/anything`)).status).toBe(403);
  expect((await fetch(`http://${host()}/parties/store/anything`, { method: "PUT", body: "{}" })).status).toBe(403);
  expect((await fetch(`http://${host()}/parties/fn/pool-0`, { method: "POST", body: "{}" })).status).toBe(403);
});

test("a setting out of range stops the hub with a message naming it", async () => {
  const bad = await startPartykitDev({ cwd: project.dir, vars: { COLD_START_RATE: "1.5" } });
  try {
    const response = await fetch(`http://127.0.0.1:${bad.port}/parties/${PARTY_FOR_MODE.stateless}/any`);
    expect(response.status).toBe(500);
    expect(await response.text()).toMatch(/COLD_START_RATE must be a number from 0 to 1, got 1\.5/);
  } finally {
    await bad.stop();
  }
});

/** Figures for people, never assertions: this machine is shared and noisy. */
function report(result: ModesScenarioResult): void {
  const { judgement } = result;
  const figures = {
    mode: result.mode,
    sent: judgement.actions.sent,
    acked: judgement.actions.acknowledged,
    rejectReasons: judgement.rejectReasons,
    lostPieces: `${judgement.lostMoves.lost}/${judgement.lostMoves.judged}`,
    desyncedPiecesPerClient: judgement.desyncPerClient.reduce((total, pieces) => total + pieces, 0) / judgement.desyncPerClient.length,
    ackP50Ms: Math.round(judgement.ackLatencyMs.p50),
    ackP99Ms: Math.round(judgement.ackLatencyMs.p99),
    wireBytesPerAck: Math.round(result.wireBytesPerAck),
    storeBytesPerAck: Math.round(result.storeBytesPerAck),
    functions: result.summary.backend?.functions,
    staleWrites: result.summary.backend && `${result.summary.backend.store.staleWrites}/${result.summary.backend.store.writes}`,
  };
  console.log(`[modes] ${JSON.stringify(figures)}`);
}

