/** Names and room ids: what every side accepts, and the sentence for what it refuses. */
import { describe, expect, it } from "vitest";
import { MAX_NAME_CHARS, normalizeName, uniqueName, visibleLength } from "../../shared/names.ts";
import { roomIdProblem } from "../../shared/room-id.ts";

describe("player names", () => {
  it.each([
    ["plain", "Ada", "Ada"],
    ["trimmed and collapsed", "  Ada \t  Lovelace ", "Ada Lovelace"],
    ["NFC", "Zoe\u0308", "Zoë"],
    ["a right-to-left override removed", "\u202Eevil", "evil"],
    ["bidi isolates removed", "a\u2066b\u2069c", "abc"],
    ["zero-width spaces and byte order marks removed", "A\u200Bd\u2060a\uFEFF", "Ada"],
    ["control characters removed", "Ada\u0000\u0007\u001b[31m", "Ada[31m"],
    ["a lone surrogate removed", "Ada\uD800", "Ada"],
    ["emoji kept", "🧩 Zoë 日本", "🧩 Zoë 日本"],
  ])("%s", (_case, raw, expected) => {
    expect(normalizeName(raw)).toEqual({ ok: true, name: expected });
  });

  it.each([
    ["empty", ""],
    ["only spaces", "   \t "],
    ["only invisible characters", "\u200B\u202E\u2066"],
    ["a Hangul filler", "\u3164\u3164"],
    ["the braille blank", "\u2800"],
    ["control characters only", "\u0001\u0002"],
  ])("refuses a name that shows nothing: %s", (_case, raw) => {
    const result = normalizeName(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/visible character/);
  });

  it("counts the characters a player sees", () => {
    const family = "👨‍👩‍👧‍👦";
    expect(visibleLength(family)).toBe(1);
    expect(normalizeName(family.repeat(MAX_NAME_CHARS)).ok).toBe(true);
    const long = normalizeName("n".repeat(MAX_NAME_CHARS + 1));
    expect(long.ok).toBe(false);
    if (!long.ok) expect(long.reason).toContain(`at most ${MAX_NAME_CHARS} characters (this one has ${MAX_NAME_CHARS + 1})`);
    expect(normalizeName("x".repeat(10_000)).ok).toBe(false);
  });

  it("gives a copy of a taken name a suffix", () => {
    expect(uniqueName("Ada", ["Bea"])).toBe("Ada");
    expect(uniqueName("Ada", ["ada"])).toBe("Ada (2)");
    expect(uniqueName("Ada", ["Ada", "Ada (2)"])).toBe("Ada (3)");
    const long = "n".repeat(MAX_NAME_CHARS);
    const suffixed = uniqueName(long, [long]);
    expect(visibleLength(suffixed)).toBeLessThanOrEqual(MAX_NAME_CHARS);
    expect(suffixed.endsWith(" (2)")).toBe(true);
  });
});

describe("room ids", () => {
  it.each(["a", "room-1", "Load_7-x", "z".repeat(64)])("accepts %s", (id) => expect(roomIdProblem(id)).toBeNull());
  it.each(["", "-a", "a/b", "a b", "é", "a?b", "z".repeat(65), "../x"])("refuses %j with the rule", (id) => {
    expect(roomIdProblem(id)).toMatch(/is not a room id: a room id is 1 to 64 letters, digits, - or _/);
  });
});
