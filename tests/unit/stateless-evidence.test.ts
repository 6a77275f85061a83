/**
 * The stateless evidence chain for a constructed race: two invocations of the
 * real function body (read-modify-write.ts) read the same revision of a store
 * that keeps the real trace (evidence.ts); the first commits Ann's drop, the
 * second, built on the revision before it, puts the old copy back. The trace
 * must name both writes, the revisions and the reads, and the drop must really
 * be gone from the stored document. With compare-and-set the same interleaving
 * leaves no evidence, because nothing is overwritten.
 */
import { describe, expect, it } from "vitest";
import { EVIDENCE_RING_SIZE, WriteEvidence } from "../../party/stateless/evidence.ts";
import { decodeDocument } from "../../party/stateless/document.ts";
import { traceOf, type Invocation, type InvocationMetrics, type StatelessMode } from "../../party/stateless/invocation.ts";
import { readModifyWrite } from "../../party/stateless/read-modify-write.ts";
import type { StoreRead, StoreWrite } from "../../party/stateless/store-client.ts";
import { BEHIND_BUCKETS, StoreEvidenceSchema, parseBody, type StoreTrace } from "../../shared/http.ts";
import type { ActionMessage } from "../../shared/protocol.ts";
import { describeErasure, findErasure, raceDiagramSvg } from "../../shared/race-diagram.ts";
import type { PuzzleOptions } from "../../shared/puzzle-spec.ts";

const NINE: PuzzleOptions = { imageId: "test", imageWidth: 300, imageHeight: 300, pieceCount: 9, seed: 11 };

/** The store's read and write semantics (store.ts) over one document in memory, with its trace; the clock is the test's. */
class MemoryStore {
  text: string | null = null;
  revision = 0;
  nowMs = 1_000;
  readonly evidence = new WriteEvidence();

  /** A store client for one invocation: every request carries its trace, as StoreClient sends it. */
  client(trace: StoreTrace) {
    return {
      read: async (): Promise<StoreRead> => {
        this.evidence.read(trace, this.revision, this.nowMs);
        return this.text === null ? { found: false, revision: 0 } : { found: true, revision: this.revision, text: this.text, bytes: this.text.length };
      },
      write: async (text: string, basedOn: number, conditional: boolean): Promise<StoreWrite> => {
        this.nowMs += 10;
        if (conditional && basedOn !== this.revision) return { stored: false, conflict: true, revision: this.revision, bytes: text.length };
        this.text = text;
        this.revision++;
        this.evidence.wrote(trace, basedOn, this.revision, this.nowMs);
        return { stored: true, revision: this.revision, bytes: text.length };
      },
    };
  }

  async invoke(mode: StatelessMode, operation: Invocation["operation"], id: string) {
    const invocation: Invocation = { mode, documentId: `${mode.replace("-", "_")}.race`, operation };
    const metrics: InvocationMetrics = { coldStart: false, attempts: 0, conflicts: 0, storeBytesRead: 0, storeBytesWritten: 0, durationMs: 0 };
    return readModifyWrite(invocation, { store: this.client(traceOf(invocation, id)), now: () => this.nowMs, config: { occMaxRetries: 5, occBackoffMs: 0 } }, metrics);
  }

  piece(id: number) {
    return decodeDocument(this.text!).state.pieces[id]!;
  }
}

const act = (playerId: string, action: ActionMessage): Invocation["operation"] => ({ kind: "act", playerId, action });

/** A puzzle where Ann holds piece 0 and Bob piece 8, then the race: Ann's drop and Bob's move run at once. */
async function race(mode: StatelessMode): Promise<MemoryStore> {
  const store = new MemoryStore();
  await store.invoke(mode, { kind: "load", create: NINE }, "load");
  await store.invoke(mode, act("ann", { type: "grab", seq: 1, pieceId: 0 }), "ann-grab");
  await store.invoke(mode, act("bob", { type: "grab", seq: 1, pieceId: 8 }), "bob-grab");
  // Both read before either writes (each store call answers at once; the awaits interleave them).
  await Promise.all([
    store.invoke(mode, act("ann", { type: "drop", seq: 2, pieceId: 0, x: 377, y: 15 }), "ann-drop"),
    store.invoke(mode, act("bob", { type: "move", seq: 2, pieceId: 8, x: 15, y: 370 }), "bob-move"),
  ]);
  return store;
}

describe("the stateless evidence chain", () => {
  it("names the write that erased an acknowledged drop, the revision it was built on and the reads", async () => {
    const store = await race("stateless");
    // The loss is real: Ann's drop is not in the stored document, Bob's move is.
    expect(store.piece(0)).not.toMatchObject({ x: 377, y: 15 });
    expect(store.piece(8)).toMatchObject({ x: 15, y: 370 });

    const evidence = parseBody(StoreEvidenceSchema, JSON.parse(JSON.stringify(store.evidence.evidence())), "the evidence");
    expect(evidence.overwrites).toHaveLength(1);
    const [overwrite] = evidence.overwrites;
    // load made revision 1, the grabs 2 and 3; Ann's drop committed 4, Bob's move, built on 3, made 5.
    expect(overwrite!.erased).toEqual([
      { revision: 4, basedOn: 3, readAtMs: expect.any(Number), writtenAtMs: expect.any(Number), trace: { invocation: "ann-drop", action: "drop", playerId: "ann", seq: 2, pieceId: 0 } },
    ]);
    expect(overwrite!.erasing).toEqual({
      revision: 5,
      basedOn: 3,
      readAtMs: overwrite!.erased[0]!.readAtMs,
      writtenAtMs: expect.any(Number),
      trace: { invocation: "bob-move", action: "move", playerId: "bob", seq: 2, pieceId: 8 },
    });
    expect(overwrite!.erasing.writtenAtMs).toBeGreaterThan(overwrite!.erased[0]!.writtenAtMs);
    expect(overwrite!.revisionsBehind).toBe(1);
    expect(evidence.revisionsBehind).toEqual([1, ...new Array<number>(BEHIND_BUCKETS - 1).fill(0)]);

    // Ann's panel finds it by her drop's seq and explains it; the diagram draws the four arrows.
    const found = findErasure(evidence.overwrites, "ann", 2);
    expect(found?.erased.revision).toBe(4);
    expect(findErasure(evidence.overwrites, "ann", 1)).toBeNull();
    expect(describeErasure(found!.overwrite, found!.erased)).toBe("Your drop of piece 0, stored as revision 4, was erased by a write (a move of piece 8) built on revision 3, 10 ms later.");
    const svg = raceDiagramSvg(found!.overwrite, found!.erased);
    expect(svg.match(/stroke-width="2"/g)).toHaveLength(4);
    expect(svg).toContain("write on r3 → r5");
  });

  it("with compare-and-set the same interleaving overwrites nothing: no evidence, both actions stored", async () => {
    const store = await race("stateless-occ");
    expect(store.piece(0)).toMatchObject({ x: 377, y: 15 });
    expect(store.piece(8)).toMatchObject({ x: 15, y: 370 });
    expect(store.evidence.evidence().overwrites).toEqual([]);
    expect(store.evidence.evidence().revisionsBehind.every((count) => count === 0)).toBe(true);
  });

  it("keeps a bounded ring of the latest overwrites and counts every one in the histogram, far-behind ones in the last bucket", () => {
    const evidence = new WriteEvidence();
    const trace = (invocation: string): StoreTrace => ({ invocation, action: "move" });
    let revision = 0;
    evidence.wrote(trace("first"), 0, ++revision, 0);
    for (let index = 0; index < EVIDENCE_RING_SIZE + 10; index++) {
      // Each overwrite is built on revision 1: it goes back one revision more than the last.
      evidence.read(trace(`w${index}`), 1, index);
      evidence.wrote(trace(`w${index}`), 1, ++revision, index);
    }
    const { overwrites, revisionsBehind } = evidence.evidence();
    expect(overwrites).toHaveLength(EVIDENCE_RING_SIZE);
    expect(overwrites.at(-1)!.erasing.trace?.invocation).toBe(`w${EVIDENCE_RING_SIZE + 9}`);
    expect(revisionsBehind.reduce((sum, count) => sum + count, 0)).toBe(EVIDENCE_RING_SIZE + 9);
    expect(revisionsBehind[0]).toBe(1);
    expect(revisionsBehind[BEHIND_BUCKETS - 1]).toBe(EVIDENCE_RING_SIZE + 9 - (BEHIND_BUCKETS - 1));
  });
});
