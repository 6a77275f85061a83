/**
 * Chat lines and marks as every room-like party takes them (issue 14): each is
 * charged to its speaker's token bucket, then checked by the rules of
 * shared/chat.ts, and becomes either the event everyone is sent or the typed
 * refusal only the sender is sent. What is refused changes nothing. The
 * stateful room keeps the lines besides (party/room/room-chat.ts); the hubs
 * only relay them.
 */
import { markOnTable, normalizeChat, type ChatLine, type ChatRefusal, type ChatRefusedEvent, type Mark, type MarkEvent } from "../../shared/chat.ts";
import type { PuzzleSpec } from "../../shared/puzzle-spec.ts";
import type { ChatLimits } from "./limits.ts";
import { TokenBucket } from "./token-bucket.ts";

/** Who speaks, as everyone is shown. */
export interface Speaker {
  /** The player id, or a watcher's id: what the speaker's buckets are kept by. */
  from: string;
  name: string;
  color: string;
  watcher: boolean;
}

export type Relayed<T> = { ok: true; event: T } | { ok: false; refusal: ChatRefusedEvent };

/**
 * Buckets kept at most: one per speaker, the oldest forgotten past this (a
 * forgotten speaker starts with a full burst, which is all it gains).
 */
const MAX_SPEAKERS_KEPT = 4_096;

export class ChatRelay {
  private readonly lines = new Map<string, TokenBucket>();
  private readonly marks = new Map<string, TokenBucket>();

  constructor(private readonly limits: ChatLimits) {}

  /** A chat line: its text normalised, with the id and time the caller gives it; or why not. */
  say(speaker: Speaker, raw: string, id: number, nowMs: number): Relayed<ChatLine> {
    if (!this.take(this.lines, speaker.from, this.limits.chatBurst, this.limits.chatLinesPerMin, nowMs)) {
      return refused("chat", "rate-limited", `You are sending messages too fast (at most ${this.limits.chatLinesPerMin} a minute); this one was not sent.`);
    }
    const checked = normalizeChat(raw);
    if (!checked.ok) return refused("chat", checked.reason, checked.message);
    return { ok: true, event: { id, from: speaker.from, name: speaker.name, color: speaker.color, watcher: speaker.watcher, text: checked.text, atMs: nowMs } };
  }

  /** A mark on the table of `spec` (null: no puzzle, so no table); or why not. */
  mark(speaker: Speaker, mark: Mark, spec: Pick<PuzzleSpec, "tableWidth" | "tableHeight"> | null, nowMs: number): Relayed<MarkEvent> {
    if (!this.take(this.marks, speaker.from, this.limits.markBurst, this.limits.marksPerMin, nowMs)) {
      return refused("mark", "rate-limited", `You are marking the table too fast (at most ${this.limits.marksPerMin} a minute); this one was not shown.`);
    }
    if (!spec || !markOnTable(spec, mark.x, mark.y)) return refused("mark", "off-table", "Marks go on the table; that spot is off it.");
    const x = Math.round(mark.x);
    const y = Math.round(mark.y);
    return { ok: true, event: { type: "mark", from: speaker.from, name: speaker.name, color: speaker.color, watcher: speaker.watcher, x, y, kind: mark.kind } };
  }

  private take(buckets: Map<string, TokenBucket>, from: string, burst: number, perMin: number, nowMs: number): boolean {
    let bucket = buckets.get(from);
    if (!bucket) {
      if (buckets.size >= MAX_SPEAKERS_KEPT) buckets.delete(buckets.keys().next().value!);
      bucket = new TokenBucket(burst, perMin / 60, nowMs);
      buckets.set(from, bucket);
    }
    return bucket.take(nowMs);
  }
}

function refused(about: ChatRefusedEvent["about"], reason: ChatRefusal, message: string): Relayed<never> {
  return { ok: false, refusal: { type: "chat-refused", about, reason, message } };
}
