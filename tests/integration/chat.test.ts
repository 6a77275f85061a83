/**
 * Chat and marks through the real runtime (issue 14): on `partykit dev` with a
 * persist directory, every player and watcher of a room hears every line and
 * mark, a speaker past the burst is refused as rate-limited, and after the
 * process is stopped and started again a joiner's first frame carries the last
 * 100 lines. A stateless hub relays lines and marks and keeps none. No timing
 * is asserted.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join as joinPath } from "node:path";
import { afterAll, afterEach, expect, test } from "vitest";
import { CHAT_HISTORY_LENGTH, type ChatLine } from "../../shared/chat.ts";
import type { BatchEvent, ClientMessage } from "../../shared/protocol.ts";
import { startPartykitDev, type PartykitDev } from "../../testkit/partykit-dev.ts";
import type { ProtocolClient } from "../../testkit/protocol-client.ts";
import { SMALL_PUZZLE, joinRoom } from "../../testkit/room-fixture.ts";

const persistDir = mkdtempSync(joinPath(tmpdir(), "puzzle-rooms-chat-"));
/** A burst big enough to fill the history at once, and frames enough to send it (chat frames pay the guard's "other" bucket too). */
const CHAT_BURST = 110;
const VARS = { CHAT_BURST: String(CHAT_BURST), CHAT_LINES_PER_MIN: "1", OTHER_FRAMES_PER_S: "1000", OTHER_FRAME_BURST: "1000" };
let server: PartykitDev | undefined;
const clients: ProtocolClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server?.stop("SIGKILL");
  server = undefined;
});
afterAll(() => rmSync(persistDir, { recursive: true, force: true }));

const send = (client: ProtocolClient, message: ClientMessage) => client.sendRaw(JSON.stringify(message));
const linesOf = (client: ProtocolClient): ChatLine[] => client.events.flatMap((event) => (event.type === "chat" ? [event.line] : []));
const ofType = <K extends BatchEvent["type"]>(client: ProtocolClient, type: K) => client.events.filter((event): event is Extract<BatchEvent, { type: K }> => event.type === type);

async function join(room: string, name: string, extra: Parameters<typeof joinRoom>[3] = {}): Promise<ProtocolClient> {
  const client = await joinRoom(server!, room, name, extra);
  clients.push(client);
  return client;
}

test("every player and watcher hears every line and mark, and the last 100 lines survive a restart", { timeout: 180_000 }, async () => {
  const room = "chat-restart";
  server = await startPartykitDev({ persistDir, vars: VARS });
  const ann = await join(room, "Ann", { create: SMALL_PUZZLE });
  const bob = await join(room, "Bob");
  const wes = await join(room, "Wes", { role: "watcher" });
  expect(wes.role).toBe("watcher");
  const everyone = [ann, bob, wes];

  const sent = CHAT_BURST + 5;
  for (let index = 0; index < sent; index++) send(ann, { type: "chat", text: `line ${index}` });
  send(wes, { type: "chat", text: "a watcher says hi" });
  send(wes, { type: "mark", x: 10, y: 20, kind: "question" });
  for (const client of everyone) await client.until(() => linesOf(client).length === CHAT_BURST + 1 && ofType(client, "mark").length === 1, 60_000);
  await ann.until(() => ofType(ann, "chat-refused").length === sent - CHAT_BURST);

  const heard = linesOf(ann);
  for (const client of everyone) expect(linesOf(client)).toEqual(heard);
  expect(heard.filter((line) => line.from === ann.playerId).map((line) => line.text)).toEqual(Array.from({ length: CHAT_BURST }, (_, index) => `line ${index}`));
  expect(heard.find((line) => line.text === "a watcher says hi")).toMatchObject({ name: "Wes", watcher: true });
  expect(ofType(bob, "mark")[0]).toMatchObject({ from: wes.playerId, x: 10, y: 20, kind: "question", watcher: true });
  expect(ofType(ann, "chat-refused").every((refusal) => refusal.reason === "rate-limited")).toBe(true);
  expect(ofType(bob, "chat-refused")).toEqual([]);

  // Stopped and started again on the same storage: a joiner's first frame has the last 100 lines.
  await server.stop("SIGTERM");
  for (const client of clients.splice(0)) client.close();
  server = await startPartykitDev({ persistDir, vars: VARS });
  const late = await join(room, "Late", { role: "watcher" });
  await late.until(() => ofType(late, "chat-history").length > 0);
  expect(ofType(late, "chat-history")[0]!.lines).toEqual(heard.slice(-CHAT_HISTORY_LENGTH));
});

test("a stateless hub relays lines and marks to its players and keeps none", { timeout: 120_000 }, async () => {
  server = await startPartykitDev({ vars: VARS });
  const room = "chat-hub";
  const ann = await join(room, "Ann", { create: SMALL_PUZZLE, party: "stateless" });
  const bob = await join(room, "Bob", { party: "stateless" });
  send(bob, { type: "chat", text: "over the hub" });
  send(ann, { type: "mark", x: 5, y: 5, kind: "look" });
  send(ann, { type: "mark", x: -5, y: 5, kind: "look" });
  for (const client of [ann, bob]) await client.until(() => linesOf(client).length === 1 && ofType(client, "mark").length === 1);
  await ann.until(() => ofType(ann, "chat-refused").length === 1);
  expect(linesOf(ann)[0]).toMatchObject({ name: "Bob", text: "over the hub" });
  expect(ofType(ann, "chat-refused")[0]).toMatchObject({ about: "mark", reason: "off-table" });
  const late = await join(room, "Late", { party: "stateless" });
  send(late, { type: "chat", text: "anyone?" });
  await late.until(() => linesOf(late).length === 1);
  expect(ofType(late, "chat-history")).toEqual([]);
});
