/**
 * Chat and marks as rules (shared/chat.ts) and as the stateful room runs them
 * (party/room/room-chat.ts over RoomCore, in-process): normalisation and its
 * refusals, the length limit in characters a player sees, marks on and off the
 * table, the per-speaker rate limit, and the last lines kept in storage across a
 * restart. Time is moved by hand.
 */
import { describe, expect, it } from "vitest";
import { CHAT_HISTORY_LENGTH, MAX_CHAT_CHARS, MAX_RAW_CHAT_LENGTH, markOnTable, normalizeChat, type ChatLine } from "../../shared/chat.ts";
import { createSpec } from "../../shared/puzzle-spec.ts";
import { parseClientFrame, type Batch, type BatchEvent, type ServerMessage } from "../../shared/protocol.ts";
import { DEFAULT_CHAT_LIMITS } from "../../party/common/limits.ts";
import { CHAT_BLOCKS, chatKey } from "../../party/room/room-chat.ts";
import { InMemoryRoom, type FakeClient } from "../../testkit/in-memory-room.ts";

describe("normalizeChat", () => {
  const accepted: Array<[string, string, string]> = [
    ["plain text", "hello there", "hello there"],
    ["white space collapsed and trimmed", "  hi \t\n there\r\n ", "hi there"],
    ["line and paragraph separators are spaces", "a\u2028b\u2029c\u0085d", "a b c d"],
    ["NFC", "cafe\u0301", "caf\u00e9"],
    ["zero-width and format characters removed", "he\u200Bl\uFEFFlo\u00AD!\u200E", "hello!"],
    ["the joiners of emoji sequences kept", "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}", "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}"],
    ["markup is text, kept as typed", "<b>bold</b> <img src=x onerror=alert(1)> <3", "<b>bold</b> <img src=x onerror=alert(1)> <3"],
    ["a lone surrogate removed", "ok\uD800", "ok"],
  ];
  it.each(accepted)("%s", (_name, raw, text) => {
    expect(normalizeChat(raw)).toEqual({ ok: true, text });
  });

  const refused: Array<[string, string, string]> = [
    ["empty", "", "empty"],
    ["only spaces", " \t\n ", "empty"],
    ["only invisible characters", "\u200B\uFEFF", "empty"],
    ["only blank letters", "\u3164\u2800", "empty"],
    ["a NUL", "hi\u0000", "control-characters"],
    ["an escape sequence", "\u001B[31mred", "control-characters"],
    ["a C1 control", "a\u009Bb", "control-characters"],
    ["a right-to-left override", "abc\u202Egnp.exe", "control-characters"],
    ["a bidi isolate", "\u2066x\u2069", "control-characters"],
    ["one character too many", "x".repeat(MAX_CHAT_CHARS + 1), "too-long"],
    ["more than a client may send", "x".repeat(MAX_RAW_CHAT_LENGTH + 1), "too-long"],
  ];
  it.each(refused)("refuses %s", (_name, raw, reason) => {
    const checked = normalizeChat(raw);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.reason).toBe(reason);
  });

  it("counts characters a player sees, not UTF-16 units", () => {
    const family = "\u{1F468}\u200D\u{1F469}\u200D\u{1F467}";
    // 8 UTF-16 units each, one character on screen.
    expect(normalizeChat(family.repeat(200))).toEqual({ ok: true, text: family.repeat(200) });
    // Decomposed accents are one character each once composed.
    expect(normalizeChat("é".repeat(MAX_CHAT_CHARS)).ok).toBe(true);
    expect(normalizeChat("x".repeat(MAX_CHAT_CHARS)).ok).toBe(true);
  });
});

describe("markOnTable", () => {
  const spec = createSpec({ imageId: "test", imageWidth: 1600, imageHeight: 1200, pieceCount: 12, seed: 7 });
  it.each([
    [0, 0, true],
    [spec.tableWidth, spec.tableHeight, true],
    [spec.tableWidth / 2, 10, true],
    [-1, 10, false],
    [10, -0.5, false],
    [spec.tableWidth + 1, 10, false],
    [10, spec.tableHeight + 1, false],
  ])("(%d, %d) on the table: %s", (x, y, on) => {
    expect(markOnTable(spec, x, y)).toBe(on);
  });
});

describe("the chat messages on the wire", () => {
  it("parses chat and mark frames, and refuses a mark of no known kind", () => {
    expect(parseClientFrame(JSON.stringify({ type: "chat", text: "hi" })).ok).toBe(true);
    expect(parseClientFrame(JSON.stringify({ type: "mark", x: 1, y: 2, kind: "look" })).ok).toBe(true);
    const bad = parseClientFrame(JSON.stringify({ type: "mark", x: 1, y: 2, kind: "skull" }));
    expect(bad.ok === false && bad.code).toBe("bad-message");
    const nan = parseClientFrame('{"type":"mark","x":1e400,"y":2,"kind":"look"}');
    expect(nan.ok === false && nan.code).toBe("bad-message");
  });
});

const TWELVE = { imageId: "test", imageWidth: 1600, imageHeight: 1200, pieceCount: 12, seed: 7 };
const eventsOf = (messages: ServerMessage[]): BatchEvent[] => messages.flatMap((message) => (message.type === "batch" ? (message as Batch).events : []));
const linesOf = (client: FakeClient, from = 0): ChatLine[] => eventsOf(client.since(from)).flatMap((event) => (event.type === "chat" ? [event.line] : []));
const refusalsOf = (client: FakeClient, from = 0) => eventsOf(client.since(from)).flatMap((event) => (event.type === "chat-refused" ? [event] : []));

function roomWithPlayerAndWatcher(room = new InMemoryRoom()): { room: InMemoryRoom; ann: FakeClient; bob: FakeClient; watcher: FakeClient } {
  const ann = room.connect();
  ann.hello("Ann", { create: TWELVE });
  const bob = room.connect();
  bob.hello("Bob");
  const watcher = room.connect();
  watcher.hello("Wes", { role: "watcher" });
  room.settle();
  return { room, ann, bob, watcher };
}

describe("the room's chat", () => {
  it("sends a player's and a watcher's lines to everyone, normalised, with their names and colours", () => {
    const { room, ann, bob, watcher } = roomWithPlayerAndWatcher();
    const marks = [ann.count, bob.count, watcher.count];
    ann.send({ type: "chat", text: "  hello\n  all " });
    room.settle();
    watcher.send({ type: "chat", text: "just watching" });
    room.settle();
    for (const [index, client] of [ann, bob, watcher].entries()) {
      const lines = linesOf(client, marks[index]);
      expect(lines.map((line) => [line.name, line.text, line.watcher])).toEqual([
        ["Ann", "hello all", false],
        ["Wes", "just watching", true],
      ]);
      expect(lines[0]!.id).toBeLessThan(lines[1]!.id);
    }
    const annPlayer = ann.replica!.players.get(ann.playerId!)!;
    expect(linesOf(bob, marks[1])[0]!.color).toBe(annPlayer.color);
  });

  it("refuses bad lines to the sender alone with a typed reason, and changes nothing", () => {
    const { room, ann, bob } = roomWithPlayerAndWatcher();
    const before = [ann.count, bob.count];
    const putsBefore = room.storage.puts.length;
    ann.send({ type: "chat", text: "   " });
    ann.send({ type: "chat", text: "x".repeat(MAX_CHAT_CHARS + 1) });
    ann.send({ type: "chat", text: "evil\u202Etxt.exe" });
    room.settle();
    expect(refusalsOf(ann, before[0]).map((refusal) => [refusal.about, refusal.reason])).toEqual([
      ["chat", "empty"],
      ["chat", "too-long"],
      ["chat", "control-characters"],
    ]);
    expect(linesOf(bob, before[1])).toEqual([]);
    expect(refusalsOf(bob, before[1])).toEqual([]);
    expect(room.storage.puts.slice(putsBefore).some((keys) => keys.some((key) => key.startsWith("chat:")))).toBe(false);
  });

  it("refuses a flood past the speaker's burst as rate-limited, and takes lines again once the bucket refills", () => {
    const { room, ann, bob } = roomWithPlayerAndWatcher();
    const before = [ann.count, bob.count];
    for (let index = 0; index < DEFAULT_CHAT_LIMITS.chatBurst + 3; index++) ann.send({ type: "chat", text: `line ${index}` });
    room.settle();
    expect(linesOf(bob, before[1])).toHaveLength(DEFAULT_CHAT_LIMITS.chatBurst);
    expect(refusalsOf(ann, before[0]).map((refusal) => refusal.reason)).toEqual(["rate-limited", "rate-limited", "rate-limited"]);
    // Bob's bucket is his own.
    bob.send({ type: "chat", text: "me too" });
    room.advance(60_000 / DEFAULT_CHAT_LIMITS.chatLinesPerMin);
    ann.send({ type: "chat", text: "again" });
    room.settle();
    expect(linesOf(bob, before[1]).slice(-2).map((line) => line.text)).toEqual(["me too", "again"]);
  });

  it("shows a mark on the table to everyone, a watcher's too, and refuses one off the table", () => {
    const { room, ann, bob, watcher } = roomWithPlayerAndWatcher();
    const spec = ann.replica!.puzzle.spec;
    const before = [ann.count, bob.count, watcher.count];
    bob.send({ type: "mark", x: 100.4, y: 200.6, kind: "look" });
    watcher.send({ type: "mark", x: 5, y: 6, kind: "heart" });
    ann.send({ type: "mark", x: spec.tableWidth + 10, y: 5, kind: "look" });
    room.settle();
    for (const [index, client] of [ann, bob, watcher].entries()) {
      const marks = eventsOf(client.since(before[index]!)).filter((event) => event.type === "mark");
      expect(marks.map((mark) => mark.type === "mark" && [mark.name, mark.x, mark.y, mark.kind, mark.watcher])).toEqual([
        ["Bob", 100, 201, "look", false],
        ["Wes", 5, 6, "heart", true],
      ]);
    }
    expect(refusalsOf(ann, before[0]).map((refusal) => [refusal.about, refusal.reason])).toEqual([["mark", "off-table"]]);
    expect(refusalsOf(bob, before[1])).toEqual([]);
  });

  it("keeps the last lines for joiners and across a restart, in one small put per line", () => {
    const { room, ann } = roomWithPlayerAndWatcher();
    const total = CHAT_HISTORY_LENGTH + 25;
    for (let index = 0; index < total; index++) {
      ann.send({ type: "chat", text: `line ${index}` });
      room.advance(60_000);
    }
    room.settle();
    const chatPuts = room.storage.puts.filter((keys) => keys.some((key) => key.startsWith("chat:")));
    expect(chatPuts).toHaveLength(total);
    for (const keys of chatPuts) expect(keys).toHaveLength(1);
    const slots = Array.from({ length: CHAT_BLOCKS }, (_, slot) => chatKey(slot));
    expect(new Set(chatPuts.flat())).toEqual(new Set(slots));

    const late = room.connect();
    late.hello("Late");
    room.settle();
    const history = eventsOf(late.since(0)).find((event) => event.type === "chat-history");
    expect(history?.type === "chat-history" && history.lines.map((line) => line.text)).toEqual(Array.from({ length: CHAT_HISTORY_LENGTH }, (_, index) => `line ${index + total - CHAT_HISTORY_LENGTH}`));

    // A new room object over the same storage: the restart.
    const restarted = new InMemoryRoom({ storage: room.storage });
    return restarted.core.load().then(() => {
      const again = restarted.connect();
      again.hello("Again");
      restarted.settle();
      const reloaded = eventsOf(again.since(0)).find((event) => event.type === "chat-history");
      expect(reloaded).toEqual(history);
      // The next line goes on from the stored ids.
      again.send({ type: "chat", text: "after the restart" });
      restarted.settle();
      const next = linesOf(again).at(-1)!;
      expect(next.id).toBe(total);
    });
  });
});
