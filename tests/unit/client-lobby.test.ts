/**
 * What the lobby reads from a link and what the HUD decides about the finish:
 * every refusal a sentence naming what is valid, and in the stateless modes the
 * finish only when the store has it.
 */
import { describe, expect, it } from "vitest";
import { passwordFragment, passwordFromFragment, readLobbyLink } from "../../client/ui/lobby-link.ts";
import { finishVerdict, storedProgress } from "../../client/ui/finish-gate.ts";
import { createPuzzle } from "../../shared/puzzle-state.ts";
import { snapshotOf } from "./client-harness.ts";

const link = (query: string) => readLobbyLink(new URLSearchParams(query));

describe("lobby links", () => {
  it("a landing page without a mode preselects the stateful room; ?mode= preselects any valid mode", () => {
    expect(link("")).toEqual({ room: null, roomProblem: null, mode: "stateful", modeProblem: null, watch: false });
    expect(link("?mode=stateless").mode).toBe("stateless");
    expect(link("?mode=stateless-occ").mode).toBe("stateless-occ");
  });

  it("?watch=1 joins the link's room as a watcher", () => {
    expect(link("?room=abc&watch=1")).toMatchObject({ room: "abc", mode: "stateful", watch: true });
    expect(link("?room=abc&watch=yes").watch).toBe(false);
  });

  it("an unknown mode is refused with a sentence naming the valid ones, never replaced by a guess", () => {
    const read = link("?room=abc&mode=statefull");
    expect(read.mode).toBeNull();
    expect(read.room).toBe("abc");
    expect(read.modeProblem).toBe('"statefull" is not a server mode: the modes are stateful, stateless and stateless-occ.');
  });

  it("a malformed room id is refused with the rooms' own sentence", () => {
    for (const bad of ["a/b", "../x", "-start", "x".repeat(65), "room id"]) {
      const read = link(`?room=${encodeURIComponent(bad)}&mode=stateful`);
      expect(read.room, bad).toBeNull();
      expect(read.roomProblem, bad).toContain("a room id is 1 to 64 letters, digits, - or _");
    }
    expect(link("?room=k3x9_a-b").room).toBe("k3x9_a-b");
  });
});

describe("an invite link's password (#pw=)", () => {
  it.each([
    ["#pw=sesame", "sesame"],
    ["#pw=open+sesame", "open sesame"],
    ["#pw=%C3%A9t%C3%A9%20%26%20%23", "été & #"],
    ["pw=bare", "bare"],
    ["", null],
    ["#", null],
    ["#pw=", null],
    ["#other=1", null],
    [`#pw=${"x".repeat(65)}`, null],
  ])("%s reads as %s", (hash, password) => {
    expect(passwordFromFragment(hash)).toBe(password);
  });

  it("what a link is given reads back the same", () => {
    for (const password of ["sesame", "a b&c=d#e", "日本語のパスワード"]) expect(passwordFromFragment(`#${passwordFragment(password)}`)).toBe(password);
  });
});

describe("the finish", () => {
  const screenDone = { placed: 24, total: 24, completedAtMs: 5_000 };

  it("in the stateful room comes with the room's completion", () => {
    expect(finishVerdict("stateful", screenDone, null)).toEqual({ kind: "finished", completedAtMs: 5_000 });
    expect(finishVerdict("stateful", { placed: 23, total: 24, completedAtMs: null }, null)).toEqual({ kind: "playing" });
  });

  it("in the stateless modes waits for the stored state, and says why while this screen shows it finished", () => {
    const stored = { placed: 23, total: 24, completedAtMs: null };
    for (const mode of ["stateless", "stateless-occ"] as const) {
      const verdict = finishVerdict(mode, screenDone, stored);
      expect(verdict.kind).toBe("unsaved");
      expect(verdict.kind === "unsaved" && verdict.sentence).toContain("it has 23 of 24 pieces placed");
      expect(finishVerdict(mode, { placed: 24, total: 24, completedAtMs: null }, stored).kind).toBe("unsaved");
      expect(finishVerdict(mode, screenDone, null).kind).toBe("unsaved");
      expect(finishVerdict(mode, { placed: 20, total: 24, completedAtMs: null }, stored)).toEqual({ kind: "playing" });
      expect(finishVerdict(mode, screenDone, { placed: 24, total: 24, completedAtMs: 7_000 })).toEqual({ kind: "finished", completedAtMs: 7_000 });
    }
  });

  it("reads the stored progress from a snapshot", () => {
    const state = createPuzzle({ imageId: "test", imageWidth: 1200, imageHeight: 800, pieceCount: 24, seed: 1 });
    state.pieces[3]!.locked = true;
    state.pieces[7]!.locked = true;
    expect(storedProgress(snapshotOf(state))).toEqual({ placed: 2, total: 24, completedAtMs: null });
  });
});
