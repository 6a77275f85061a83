/**
 * The store's trace of the overwrites it already counts (`staleWrites`). Every
 * function sends a tracing header with its requests (which invocation, for
 * which player's action), as functions behind a real store send a trace id;
 * the store notes which invocation read which revision and which write made
 * which revision. When a write lands that was built on an older revision than
 * the stored one, it put back the old copy of everything the writes in between
 * changed: those writes are the erased ones, and the trace keeps the pair.
 *
 * Tracing only: nothing here decides or changes what the store stores or
 * answers. It is bounded: the latest writes (to name what an overwrite erased),
 * the reads still waiting for their write, and a ring of the latest overwrites.
 */
import { BEHIND_BUCKETS, type OverwriteEvidence, type StoreEvidence, type StoreTrace, type TracedWrite } from "../../shared/http.ts";

/** Overwrites kept per document, newest last: enough for a panel and a report, bounded whatever the load. */
export const EVIDENCE_RING_SIZE = 128;
/** Writes remembered to name what an overwrite erased; an overwrite further behind names only these. */
export const RECENT_WRITES = 512;
/** Reads remembered while their invocation has not written (a function that never writes is forgotten). */
const OPEN_READS = 1_024;

export class WriteEvidence {
  private readonly reads = new Map<string, { revision: number; atMs: number }>();
  private readonly writes: TracedWrite[] = [];
  private readonly overwrites: OverwriteEvidence[] = [];
  /** Every overwrite since start, by how many revisions it went back (see BEHIND_BUCKETS). */
  private readonly behind: number[] = new Array<number>(BEHIND_BUCKETS).fill(0);

  /** A traced read served `revision` at `atMs`. */
  read(trace: StoreTrace | null, revision: number, atMs: number): void {
    if (trace === null) return;
    this.reads.delete(trace.invocation);
    this.reads.set(trace.invocation, { revision, atMs });
    if (this.reads.size > OPEN_READS) this.reads.delete(this.reads.keys().next().value!);
  }

  /**
   * A write built on `basedOn` was stored as `revision` at `atMs`. When
   * `basedOn` is older than `revision - 1`, the writes in between were erased.
   */
  wrote(trace: StoreTrace | null, basedOn: number | null, revision: number, atMs: number): void {
    const read = trace ? this.reads.get(trace.invocation) : undefined;
    if (trace) this.reads.delete(trace.invocation);
    const write: TracedWrite = {
      revision,
      basedOn,
      writtenAtMs: atMs,
      readAtMs: read && read.revision === basedOn ? read.atMs : null,
      trace,
    };
    if (basedOn !== null && basedOn < revision - 1) {
      const erased = this.writes.filter((earlier) => earlier.revision > basedOn);
      const revisionsBehind = revision - 1 - basedOn;
      this.behind[Math.min(revisionsBehind, BEHIND_BUCKETS) - 1]!++;
      this.overwrites.push({ erasing: write, erased, revisionsBehind });
      if (this.overwrites.length > EVIDENCE_RING_SIZE) this.overwrites.shift();
    }
    this.writes.push(write);
    if (this.writes.length > RECENT_WRITES) this.writes.shift();
  }

  /** The latest overwrites, oldest first, and how far behind every overwrite so far was (copies). */
  evidence(): StoreEvidence {
    return { overwrites: this.overwrites.map((overwrite) => ({ ...overwrite, erased: [...overwrite.erased] })), revisionsBehind: [...this.behind] };
  }
}
