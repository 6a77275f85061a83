/**
 * The action log on a real `partykit dev` with persistence: two players play a
 * seeded game of more than one chunk of entries, the room is killed right after
 * the last ack and started again on the same directory, play goes on, and the
 * log read over HTTP (`GET /parties/main/<room>/log`), page by page, replays
 * from the seeded start to the state the room stored. Bad ranges are refused
 * with a sentence.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { afterAll, afterEach, expect, test } from "vitest";
import { startPartykitDev, type PartykitDev } from "../../testkit/partykit-dev.ts";
import type { ProtocolClient } from "../../testkit/protocol-client.ts";
import { MEDIUM_PUZZLE, joinRoom, roomState } from "../../testkit/room-fixture.ts";
import { fetchLogPage, logUrl } from "../../testkit/room-http.ts";
import { comparableSnapshot, comparableState, replayLog } from "../../testkit/log-replay.ts";
import { LOG_CHUNK_ENTRIES, decodeLogChunk } from "../../shared/action-log.ts";
import { ErrorBodySchema } from "../../shared/http.ts";
import { createPrng } from "../../shared/prng.ts";
import { solvedPosition } from "../../shared/puzzle-spec.ts";

const persistDir = mkdtempSync(join(tmpdir(), "puzzle-rooms-log-"));
// Bursts of moves far faster than a hand drags: the action limit is raised so none is refused.
const VARS = { ACTIONS_PER_S: "5000", ACTION_BURST: "5000" };
let server: PartykitDev | undefined;
afterAll(() => rmSync(persistDir, { recursive: true, force: true }));
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

/** Grabs, drags in 30 steps and drops `rounds` pieces (every third one home), each burst awaited; ends holding nothing. */
async function play(client: ProtocolClient, seed: number, rounds: number): Promise<number> {
  const prng = createPrng(seed);
  const spec = client.replica!.puzzle.spec;
  let applied = 0;
  for (let round = 0; round < rounds; round++) {
    const pieceId = Math.floor(prng() * 96);
    if (client.replica!.puzzle.pieces[pieceId]!.locked) continue;
    const grabbed = await client.answered(client.act({ type: "grab", pieceId }));
    // The other player holds it: try another.
    if (grabbed.ackedAtMs === undefined) continue;
    for (let step = 0; step < 30; step++) client.act({ type: "move", pieceId, x: Math.round(prng() * (spec.tableWidth - spec.pieceWidth)), y: Math.round(prng() * (spec.boardY - spec.pieceHeight)) });
    const home = solvedPosition(spec, pieceId);
    const at = round % 3 === 0 ? { x: home.x + 2, y: home.y - 2 } : { x: Math.round(prng() * (spec.tableWidth - spec.pieceWidth)), y: Math.round(prng() * (spec.boardY - spec.pieceHeight)) };
    const dropped = await client.answered(client.act({ type: "drop", pieceId, ...at }));
    expect(dropped.ackedAtMs, `drop of ${pieceId}`).toBeDefined();
    applied += 32;
  }
  return applied;
}

async function replaysToStoredState(room: string): Promise<number> {
  const replayed = await replayLog((from) => fetchLogPage(server!.url, room, from));
  const stored = await roomState(server!, room);
  expect(replayed.first).toBe(0);
  expect(comparableState(replayed.state)).toEqual(comparableSnapshot(stored.snapshot));
  return replayed.entries;
}

test("a game played, killed, restarted and played on replays from its log, page by page, to the stored state", async () => {
  const room = "log-replay";
  server = await startPartykitDev({ persistDir, vars: VARS });
  const ann = await joinRoom(server, room, "Ann", { create: MEDIUM_PUZZLE });
  const bob = await joinRoom(server, room, "Bob");
  const [byAnn, byBob] = await Promise.all([play(ann, 1, 20), play(bob, 2, 20)]);
  expect(byAnn + byBob).toBeGreaterThan(LOG_CHUNK_ENTRIES);
  const before = await replaysToStoredState(room);
  expect(before).toBeGreaterThan(LOG_CHUNK_ENTRIES);

  // A page from the middle of the second chunk carries that chunk whole, and agrees with the whole log.
  const whole = await replayLog((from) => fetchLogPage(server!.url, room, from));
  const middle = await fetchLogPage(server.url, room, LOG_CHUNK_ENTRIES + 7);
  expect(middle.chunks[0]!.from).toBe(LOG_CHUNK_ENTRIES);
  expect(middle.total).toBe(before);
  expect(middle.next).toBeNull();
  expect(middle.chunks.flatMap(decodeLogChunk).length).toBe(before - LOG_CHUNK_ENTRIES);
  expect(whole.entries).toBe(before);
  // Asked from the end: nothing new.
  expect(await fetchLogPage(server.url, room, before)).toMatchObject({ chunks: [], next: null, total: before });

  // Killed right after the last ack: the log is as durable as the state.
  await server.stop("SIGKILL");
  ann.close();
  bob.close();
  server = await startPartykitDev({ persistDir, vars: VARS });
  expect(await replaysToStoredState(room)).toBe(before);

  const again = await joinRoom(server, room, "Ann", { token: ann.token });
  await play(again, 3, 5);
  // The restart is an entry of its own (storage keeps no holds), then what was played since.
  const after = await replaysToStoredState(room);
  expect(after).toBeGreaterThan(before + 1);
  again.close();
}, 180_000);

test("bad ranges and bad queries are refused with a sentence", async () => {
  const room = "log-ranges";
  server = await startPartykitDev({ vars: VARS });
  const refusal = async (url: string, status: number): Promise<string> => {
    const response = await fetch(url);
    expect(response.status, url).toBe(status);
    const body: unknown = await response.json();
    expect(v.is(ErrorBodySchema, body), JSON.stringify(body)).toBe(true);
    return (body as { error: string }).error;
  };
  // No puzzle yet: nothing to replay.
  expect(await refusal(logUrl(server.url, room, undefined), 404)).toMatch(/no puzzle/);
  const ann = await joinRoom(server, room, "Ann", { create: MEDIUM_PUZZLE });
  await play(ann, 4, 2);
  const { total } = await fetchLogPage(server.url, room, undefined);
  expect(await refusal(logUrl(server.url, room, total + 1), 400)).toBe(`the log holds ${total} entries; ask from ${total} or less`);
  for (const from of ["abc", "-1", "1.5", "1e3", ""]) expect(await refusal(`${logUrl(server.url, room, undefined)}?from=${from}`, 400)).toMatch(/from must be an entry index/);
  expect(await refusal(`${server.url}/parties/main/${"x".repeat(200)}/log`, 400)).not.toBe("");
  ann.close();
}, 120_000);
