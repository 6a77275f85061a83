/**
 * The stateless hubs speak the room's protocol, so they must refuse bad input
 * the same way (typed errors, nothing changed), keep their backend parties
 * private, and refuse to run on a setting that makes no sense.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPartykitDev, type PartykitDev } from "../../scripts/lib/partykit-dev.ts";
import { snapshotProject, type ProjectSnapshot } from "../../scripts/lib/project-snapshot.ts";
import { ProtocolClient } from "../../scripts/lib/protocol-client.ts";
import { PARTY_FOR_MODE, PROTOCOL_VERSION } from "../../shared/protocol.ts";

const CREATE = { imageId: "input", imageWidth: 400, imageHeight: 400, pieceCount: 4, seed: 3 };

let server: PartykitDev;
/** A frozen copy: an edit or a client build elsewhere must not restart the server mid-run. */
let project: ProjectSnapshot;
let host: string;

beforeAll(async () => {
  project = snapshotProject();
  server = await startPartykitDev({ cwd: project.dir, vars: { STORE_LATENCY_MS: "2", STORE_JITTER_MS: "0", COLD_START_MS: "0" } });
  host = `127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.stop();
  project?.remove();
});

describe.each(["stateless", "stateless-occ"] as const)("%s hub", (mode) => {
  const party = PARTY_FOR_MODE[mode];

  test("refuses bad frames with typed errors and changes nothing", async () => {
    const room = `input-${Date.now()}`;
    const a = await ProtocolClient.join({ host, room, party, name: "A", create: CREATE });
    const b = await ProtocolClient.join({ host, room, party, name: "B" });
    try {
      expect(a.mode).toBe(mode);
      const before = await summaryOf(party, room);
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

      const after = await summaryOf(party, room);
      expect(after.snapshot.pieces).toEqual(before.snapshot.pieces);
      expect(after.actionsApplied).toBe(before.actionsApplied + 1);
    } finally {
      a.close();
      b.close();
    }
  });

  test("asks for hello first and refuses another protocol version", async () => {
    const room = `version-${Date.now()}`;
    await expect(ProtocolClient.join({ host, room, party, name: "old", create: CREATE, protocol: PROTOCOL_VERSION - 1 })).rejects.toThrow(/version-mismatch/);
    await expect(ProtocolClient.join({ host, room, party, name: "nothing" })).rejects.toThrow(/no-puzzle/);
  });

  test("a player who leaves lets go of what it held", async () => {
    const room = `leave-${Date.now()}`;
    const a = await ProtocolClient.join({ host, room, party, name: "A", create: CREATE });
    const b = await ProtocolClient.join({ host, room, party, name: "B" });
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
  expect((await fetch(`http://${host}/parties/store/anything`)).status).toBe(403);
  expect((await fetch(`http://${host}/parties/store/anything`, { method: "PUT", body: "{}" })).status).toBe(403);
  expect((await fetch(`http://${host}/parties/fn/pool-0`, { method: "POST", body: "{}" })).status).toBe(403);
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

async function summaryOf(party: string, room: string): Promise<{ actionsApplied: number; snapshot: { pieces: unknown[] } }> {
  const response = await fetch(`http://${host}/parties/${party}/${room}?state=1`);
  return (await response.json()) as { actionsApplied: number; snapshot: { pieces: unknown[] } };
}
