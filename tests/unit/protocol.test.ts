/**
 * The wire protocol: every bad client frame gets the right error code, valid
 * frames pass, and the schemas cannot change without a PROTOCOL_VERSION bump.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import * as v from "valibot";
import {
  ClientMessageSchema,
  MAX_CLIENT_FRAME_BYTES,
  MAX_NAME_LENGTH,
  PROTOCOL_VERSION,
  ServerMessageSchema,
  parseClientFrame,
  parseServerFrame,
  type ErrorCode,
} from "../../shared/protocol.ts";
import { MAX_PIECES } from "../../shared/puzzle-spec.ts";

const json = (value: unknown): string => JSON.stringify(value);
const createOptions = { imageId: "sunset-1", imageWidth: 1600, imageHeight: 1200, pieceCount: 100, seed: 42 };

describe("parseClientFrame rejects bad frames with the right code", () => {
  const cases: Array<[string, ErrorCode, string | ArrayBuffer | ArrayBufferView]> = [
    ["an ArrayBuffer", "binary-unsupported", new ArrayBuffer(8)],
    ["a Uint8Array of JSON bytes", "binary-unsupported", new TextEncoder().encode(json({ type: "ping", t: 1 }))],
    ["a DataView", "binary-unsupported", new DataView(new ArrayBuffer(4))],
    ["an ASCII frame one byte over the limit", "too-large", json({ type: "ping", t: 1, pad: "x".repeat(MAX_CLIENT_FRAME_BYTES) }).slice(0, MAX_CLIENT_FRAME_BYTES + 1)],
    ["a huge frame", "too-large", "x".repeat(1_000_000)],
    ["a frame over the limit in UTF-8 bytes but not in characters", "too-large", json({ type: "ping", t: 1, pad: "€".repeat(1_000) })],
    ["an empty frame", "bad-json", ""],
    ["truncated JSON", "bad-json", '{"type":"grab","seq":1'],
    ["NaN as text", "bad-json", "NaN"],
    ["single quotes", "bad-json", "{'type':'ping','t':1}"],
    ["JSON null", "bad-message", "null"],
    ["a JSON number", "bad-message", "42"],
    ["a JSON array", "bad-message", json([{ type: "ping", t: 1 }])],
    ["no type", "bad-message", json({ seq: 1, pieceId: 0 })],
    ["an unknown type", "bad-message", json({ type: "teleport", seq: 1, pieceId: 0 })],
    ["a numeric type", "bad-message", json({ type: 3 })],
    ["a server message type", "bad-message", json({ type: "welcome" })],
    ["grab without seq", "bad-message", json({ type: "grab", pieceId: 0 })],
    ["grab without pieceId", "bad-message", json({ type: "grab", seq: 1 })],
    ["move without y", "bad-message", json({ type: "move", seq: 1, pieceId: 0, x: 1 })],
    ["drop without coordinates", "bad-message", json({ type: "drop", seq: 1, pieceId: 0 })],
    ["cursor without x", "bad-message", json({ type: "cursor", y: 1 })],
    ["ping without t", "bad-message", json({ type: "ping" })],
    ["hello without name", "bad-message", json({ type: "hello", protocol: PROTOCOL_VERSION })],
    ["hello without protocol", "bad-message", json({ type: "hello", name: "Ann" })],
    ["move with x = null (NaN once serialized)", "bad-message", json({ type: "move", seq: 1, pieceId: 0, x: Number.NaN, y: 1 })],
    ["move with x = 1e400 (Infinity once parsed)", "bad-message", '{"type":"move","seq":1,"pieceId":0,"x":1e400,"y":1}'],
    ["move with y = -1e400", "bad-message", '{"type":"move","seq":1,"pieceId":0,"x":1,"y":-1e400}'],
    ["move with x as a string", "bad-message", json({ type: "move", seq: 1, pieceId: 0, x: "10", y: 1 })],
    ["move with a huge x", "bad-message", json({ type: "move", seq: 1, pieceId: 0, x: 1e7, y: 1 })],
    ["drop with a huge negative y", "bad-message", json({ type: "drop", seq: 1, pieceId: 0, x: 1, y: -1e7 })],
    ["cursor with x = null", "bad-message", json({ type: "cursor", x: null, y: 1 })],
    ["cursor with a huge y", "bad-message", json({ type: "cursor", x: 1, y: 1e9 })],
    ["ping with t = 1e400", "bad-message", '{"type":"ping","t":1e400}'],
    ["grab of a fractional piece id", "bad-message", json({ type: "grab", seq: 1, pieceId: 1.5 })],
    ["grab of a negative piece id", "bad-message", json({ type: "grab", seq: 1, pieceId: -1 })],
    ["grab of piece id MAX_PIECES", "bad-message", json({ type: "grab", seq: 1, pieceId: MAX_PIECES })],
    ["grab of a piece id as a string", "bad-message", json({ type: "grab", seq: 1, pieceId: "3" })],
    ["grab with a negative seq", "bad-message", json({ type: "grab", seq: -1, pieceId: 0 })],
    ["grab with a fractional seq", "bad-message", json({ type: "grab", seq: 0.5, pieceId: 0 })],
    ["hello with an empty name", "bad-message", json({ type: "hello", protocol: PROTOCOL_VERSION, name: "" })],
    ["hello with a blank name", "bad-message", json({ type: "hello", protocol: PROTOCOL_VERSION, name: "   \t " })],
    ["hello with a too long name", "bad-message", json({ type: "hello", protocol: PROTOCOL_VERSION, name: "n".repeat(MAX_NAME_LENGTH + 1) })],
    ["hello with a numeric name", "bad-message", json({ type: "hello", protocol: PROTOCOL_VERSION, name: 7 })],
    ["hello with a fractional protocol", "bad-message", json({ type: "hello", protocol: 1.5, name: "Ann" })],
    ["hello with a too long token", "bad-message", json({ type: "hello", protocol: PROTOCOL_VERSION, name: "Ann", token: "t".repeat(65) })],
    ["hello creating 3 pieces", "bad-message", json({ type: "hello", protocol: PROTOCOL_VERSION, name: "Ann", create: { ...createOptions, pieceCount: 3 } })],
    ["hello creating MAX_PIECES + 1 pieces", "bad-message", json({ type: "hello", protocol: PROTOCOL_VERSION, name: "Ann", create: { ...createOptions, pieceCount: MAX_PIECES + 1 } })],
    ["hello creating with an uppercase image id", "bad-message", json({ type: "hello", protocol: PROTOCOL_VERSION, name: "Ann", create: { ...createOptions, imageId: "Sunset" } })],
    ["hello creating with a negative seed", "bad-message", json({ type: "hello", protocol: PROTOCOL_VERSION, name: "Ann", create: { ...createOptions, seed: -1 } })],
    ["hello creating with a tiny image", "bad-message", json({ type: "hello", protocol: PROTOCOL_VERSION, name: "Ann", create: { ...createOptions, imageWidth: 8 } })],
    ["hello creating with rotation as a string", "bad-message", json({ type: "hello", protocol: PROTOCOL_VERSION, name: "Ann", create: { ...createOptions, rotation: "on" } })],
    ["rotate without rotation", "bad-message", json({ type: "rotate", seq: 1, pieceId: 0 })],
    ["rotate without seq", "bad-message", json({ type: "rotate", pieceId: 0, rotation: 1 })],
    ["rotate with rotation as a string", "bad-message", json({ type: "rotate", seq: 1, pieceId: 0, rotation: "1" })],
    ["rotate with rotation = null (NaN once serialized)", "bad-message", json({ type: "rotate", seq: 1, pieceId: 0, rotation: Number.NaN })],
    ["rotate with rotation = 1e400", "bad-message", '{"type":"rotate","seq":1,"pieceId":0,"rotation":1e400}'],
    ["rotate of a fractional piece id", "bad-message", json({ type: "rotate", seq: 1, pieceId: 0.5, rotation: 1 })],
  ];

  it.each(cases)("%s -> %s", (_label, code, frame) => {
    const result = parseClientFrame(frame);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.code).toBe(code);
    expect(result.message.length).toBeGreaterThan(0);
  });

  it("names the offending field in a bad-message error", () => {
    const result = parseClientFrame(json({ type: "move", seq: 1, pieceId: 0, x: 1, y: "a" }));
    expect(result).toMatchObject({ ok: false, code: "bad-message" });
    if (!result.ok) expect(result.message).toContain("y");
  });
});

describe("parseClientFrame accepts valid frames", () => {
  const cases: Array<[string, unknown]> = [
    ["hello", { type: "hello", protocol: PROTOCOL_VERSION, name: "Ann" }],
    ["hello with token and create", { type: "hello", protocol: PROTOCOL_VERSION, name: "Ann", token: "abc", create: createOptions }],
    ["hello from a newer client (the room decides)", { type: "hello", protocol: PROTOCOL_VERSION + 1, name: "Ann" }],
    ["hello with a name of the maximum length", { type: "hello", protocol: PROTOCOL_VERSION, name: "n".repeat(MAX_NAME_LENGTH) }],
    ["grab of piece 0", { type: "grab", seq: 0, pieceId: 0 }],
    ["grab of the last possible piece", { type: "grab", seq: 9, pieceId: MAX_PIECES - 1 }],
    ["move with fractional and negative coordinates", { type: "move", seq: 2, pieceId: 5, x: -12.5, y: 300.25 }],
    ["drop at the coordinate limit", { type: "drop", seq: 3, pieceId: 5, x: 1e6, y: -1e6 }],
    ["cursor", { type: "cursor", x: 10, y: 20 }],
    ["ping", { type: "ping", t: 123.5 }],
    ["hello creating a room with rotation", { type: "hello", protocol: PROTOCOL_VERSION, name: "Ann", create: { ...createOptions, rotation: true } }],
    ["rotate a quarter turn", { type: "rotate", seq: 4, pieceId: 5, rotation: 1 }],
    // Any finite number passes the boundary: the rules refuse a rotation that is not 0-3 ("bad-rotation").
    ["rotate to 7 (the rules refuse it)", { type: "rotate", seq: 5, pieceId: 5, rotation: 7 }],
    ["rotate to 1.5 (the rules refuse it)", { type: "rotate", seq: 6, pieceId: 5, rotation: 1.5 }],
  ];

  it.each(cases)("%s", (_label, message) => {
    const result = parseClientFrame(json(message));
    if (!result.ok) expect.fail(`${result.code}: ${result.message}`);
    expect(result.message).toEqual(message);
  });

  it("trims the name", () => {
    const result = parseClientFrame(json({ type: "hello", protocol: PROTOCOL_VERSION, name: "  Ann  " }));
    expect(result).toMatchObject({ ok: true, message: { name: "Ann" } });
  });

  it("accepts a frame of exactly the limit", () => {
    const base = json({ type: "ping", t: 1, pad: "" });
    const frame = json({ type: "ping", t: 1, pad: "x".repeat(MAX_CLIENT_FRAME_BYTES - base.length) });
    expect(frame.length).toBe(MAX_CLIENT_FRAME_BYTES);
    expect(parseClientFrame(frame).ok).toBe(true);
  });

  it("accepts a short frame of multi-byte characters", () => {
    const result = parseClientFrame(json({ type: "hello", protocol: PROTOCOL_VERSION, name: "Zoë 🧩 日本" }));
    expect(result).toMatchObject({ ok: true, message: { name: "Zoë 🧩 日本" } });
  });
});

describe("parseServerFrame", () => {
  it("accepts a batch and rejects a malformed one", () => {
    const batch = { type: "batch", version: 3, events: [{ type: "ack", seq: 1, version: 3 }, { type: "pieces", pieces: [[0, 1, 2, 0, 1]] }] };
    expect(parseServerFrame(json(batch))).toMatchObject({ ok: true, message: batch });
    expect(parseServerFrame(json({ ...batch, events: [{ type: "pieces", pieces: [[0, 1, 2, 0, 2]] }] }))).toMatchObject({ ok: false, code: "bad-message" });
    expect(parseServerFrame("{")).toMatchObject({ ok: false, code: "bad-json" });
  });
});

/**
 * A stable description of a valibot schema: its kind, type, expectations,
 * requirements and children, without messages or functions, so that only a
 * change to what the wire accepts changes it.
 */
function describeSchema(node: unknown): unknown {
  if (node === null || node === undefined) return node ?? null;
  if (typeof node === "function") return "function";
  if (node instanceof RegExp) return node.toString();
  if (Array.isArray(node)) return node.map(describeSchema);
  if (typeof node !== "object") return node;
  const record = node as Record<string, unknown>;
  if (typeof record.kind === "string") {
    const described: Record<string, unknown> = {};
    for (const key of ["kind", "type", "expects", "requirement", "literal", "key", "options", "entries", "item", "items", "wrapped", "default", "pipe"]) {
      if (key in record) described[key] = describeSchema(record[key]);
    }
    return described;
  }
  return Object.fromEntries(Object.keys(record).sort().map((key) => [key, describeSchema(record[key])]));
}

function schemaHash(): string {
  const canonical = JSON.stringify({ version: PROTOCOL_VERSION, client: describeSchema(ClientMessageSchema), server: describeSchema(ServerMessageSchema) });
  return createHash("sha256").update(canonical).digest("hex").slice(0, 16);
}

/** Update only together with a PROTOCOL_VERSION bump (see the test below). */
const PROTOCOL_SCHEMA_HASH = "3af7c154a6bcb645";

describe("protocol schema hash", () => {
  it("changes of the wire format come with a PROTOCOL_VERSION bump", () => {
    const actual = schemaHash();
    expect(
      actual,
      `The client or server message schemas changed (hash ${actual}). Bump PROTOCOL_VERSION in shared/protocol.ts, ` +
        `add a line to its history, and set PROTOCOL_SCHEMA_HASH in tests/unit/protocol.test.ts to the new hash.`,
    ).toBe(PROTOCOL_SCHEMA_HASH);
  });

  it("the description sees the changes that matter on the wire", () => {
    const variants = [
      v.object({ x: v.number() }),
      v.object({ x: v.string() }),
      v.object({ y: v.number() }),
      v.object({ x: v.pipe(v.number(), v.minValue(0)) }),
      v.object({ x: v.pipe(v.number(), v.minValue(1)) }),
      v.object({ x: v.optional(v.number()) }),
      v.object({ x: v.picklist(["a", "b"]) }),
      v.object({ x: v.picklist(["a", "c"]) }),
      v.object({ x: v.pipe(v.string(), v.regex(/^a$/)) }),
      v.object({ x: v.pipe(v.string(), v.regex(/^b$/)) }),
      v.variant("type", [v.object({ type: v.literal("a") })]),
      v.variant("type", [v.object({ type: v.literal("b") })]),
      v.tuple([v.number(), v.number()]),
      v.tuple([v.number(), v.nullable(v.number())]),
    ];
    const descriptions = variants.map((schema) => JSON.stringify(describeSchema(schema)));
    expect(new Set(descriptions).size).toBe(variants.length);
    // Messages are not part of the wire format.
    expect(JSON.stringify(describeSchema(v.pipe(v.number(), v.minValue(0, "too small"))))).toBe(JSON.stringify(describeSchema(v.pipe(v.number(), v.minValue(0)))));
  });

  it("parses what it describes: every client message type is in the schema", () => {
    const types = ClientMessageSchema.options.map((option) => option.entries.type.literal).sort();
    expect(types).toEqual(["chat", "cursor", "drop", "grab", "hello", "host", "mark", "move", "ping", "rotate", "seat"]);
  });
});
