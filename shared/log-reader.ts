/**
 * Reading a room's action log page by page (`GET /parties/main/<room>/log`,
 * shared/http.ts LogPage): pages carry whole chunks, so a page may repeat the
 * tail of what was read before; the reader keeps each entry once, in order, and
 * refuses a page that leaves a gap. The replay viewer and the tests read logs
 * through it.
 */
import { decodeLogChunk, LogFormatError, type LogEntry } from "./action-log.ts";
import type { LogCheckpoint } from "./log-checkpoint.ts";
import type { LogPage } from "./http.ts";

export class LogReader {
  /** Entries from `first` on. */
  readonly entries: LogEntry[] = [];
  /** The first entry the log holds (replay starts there), and the checkpoint at it (null: the seeded start). */
  first = 0;
  checkpoint: LogCheckpoint | null = null;
  private started = false;

  /** Where the next page should start. */
  get next(): number {
    return this.first + this.entries.length;
  }

  /**
   * Takes a page asked for from `next` (the first page: from its `first`);
   * returns the entries it added.
   */
  add(page: LogPage): LogEntry[] {
    if (!this.started) {
      this.started = true;
      this.first = page.first;
      this.checkpoint = page.checkpoint;
    } else if (page.first > this.next) {
      throw new LogFormatError(`the log was folded past entry ${this.next} while it was read (it now starts at ${page.first})`);
    }
    const added: LogEntry[] = [];
    for (const chunk of page.chunks) {
      const entries = decodeLogChunk(chunk);
      if (chunk.from > this.next) throw new LogFormatError(`the page's chunk from ${chunk.from} leaves a gap after entry ${this.next}`);
      for (let index = this.next - chunk.from; index < entries.length; index++) {
        this.entries.push(entries[index]!);
        added.push(entries[index]!);
      }
    }
    return added;
  }
}

/** Reads every page from the first (`fetchPage(undefined)`) to the last; resolves to the reader and the last page. */
export async function readWholeLog(fetchPage: (from: number | undefined) => Promise<LogPage>): Promise<{ reader: LogReader; last: LogPage }> {
  const reader = new LogReader();
  let page = await fetchPage(undefined);
  reader.add(page);
  while (page.next !== null) {
    const from = reader.next;
    page = await fetchPage(from);
    if (reader.add(page).length === 0 && page.next !== null) throw new LogFormatError(`a page asked from entry ${from} added nothing`);
  }
  return { reader, last: page };
}
