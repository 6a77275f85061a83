/**
 * The host's permission table, as a table of every control by every role, and
 * the command and event schemas the room and the client share.
 */
import { describe, expect, it } from "vitest";
import * as v from "valibot";
import { HOST_CONTROLS, HOST_PERMISSIONS, HostMessageSchema, ROOM_ROLES, mayControl, type HostControl, type RoomRole } from "../../shared/host-controls.ts";
import { parseClientFrame } from "../../shared/protocol.ts";

/** Every control by role: the whole table written out, so a change to it shows here. */
const EXPECTED: Record<HostControl, Record<RoomRole, boolean>> = {
  kick: { host: true, player: false, watcher: false },
  ban: { host: true, player: false, watcher: false },
  lock: { host: true, player: false, watcher: false },
  "watch-only": { host: true, player: false, watcher: false },
  restart: { host: true, player: false, watcher: false },
};

describe("host permissions", () => {
  it("the table names every control", () => {
    expect(Object.keys(HOST_PERMISSIONS).sort()).toEqual([...HOST_CONTROLS].sort());
  });

  for (const control of HOST_CONTROLS) {
    for (const role of ROOM_ROLES) {
      it(`${role} ${EXPECTED[control][role] ? "may" : "may not"} ${control}`, () => {
        expect(mayControl(role, control)).toBe(EXPECTED[control][role]);
      });
    }
  }
});

describe("host messages", () => {
  it("a host command parses as a client frame", () => {
    const parsed = parseClientFrame(JSON.stringify({ type: "host", command: { control: "kick", playerId: "abc", reason: "  rude  " } }));
    expect(parsed).toMatchObject({ ok: true, message: { type: "host", command: { control: "kick", playerId: "abc", reason: "rude" } } });
  });

  it.each([
    ["an unknown control", { control: "mute", playerId: "abc" }],
    ["a kick without a player", { control: "kick" }],
    ["a lock without on", { control: "lock" }],
    ["an over-long reason", { control: "ban", playerId: "abc", reason: "x".repeat(81) }],
    ["a restart with bad options", { control: "restart", create: { imageId: "test", pieceCount: -1 } }],
  ])("refuses %s", (_what, command) => {
    expect(v.safeParse(HostMessageSchema, { type: "host", command }).success).toBe(false);
    expect(parseClientFrame(JSON.stringify({ type: "host", command }))).toMatchObject({ ok: false, code: "bad-message" });
  });

  it("hello's password is optional, not empty, and bounded", () => {
    const hello = { type: "hello", protocol: 4, name: "Ada" };
    expect(parseClientFrame(JSON.stringify({ ...hello, password: "open sesame" })).ok).toBe(true);
    expect(parseClientFrame(JSON.stringify(hello)).ok).toBe(true);
    expect(parseClientFrame(JSON.stringify({ ...hello, password: "" })).ok).toBe(false);
    expect(parseClientFrame(JSON.stringify({ ...hello, password: "x".repeat(65) })).ok).toBe(false);
  });
});
