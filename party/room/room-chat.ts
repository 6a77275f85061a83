/**
 * The stateful room's chat (issue 14): the relay's rules (party/common/chat-relay.ts)
 * plus the room's last CHAT_HISTORY_LENGTH lines, kept in storage so that a
 * joiner, and a room built again after a restart, has them.
 *
 * Storage: the lines are written in blocks of LINES_PER_BLOCK under the keys
 * `chat:0` ... `chat:<CHAT_BLOCKS - 1>` (a line's block is its id divided by
 * LINES_PER_BLOCK, kept in slot block mod CHAT_BLOCKS), so a line costs one put
 * of one small value (at most LINES_PER_BLOCK lines of about 2 KB at most)
 * and the blocks together always cover the last CHAT_HISTORY_LENGTH lines. The
 * keys are new and default to no lines, so no migration was needed. Lines a
 * room cannot read are logged and left out: chat is not worth refusing to serve.
 */
import * as v from "valibot";
import { CHAT_HISTORY_LENGTH, ChatLineSchema, type Chat, type ChatLine, type Mark } from "../../shared/chat.ts";
import type { BatchEvent } from "../../shared/protocol.ts";
import type { PuzzleSpec } from "../../shared/puzzle-spec.ts";
import { json, type Json } from "../../shared/frames.ts";
import { ChatRelay, type Speaker } from "../common/chat-relay.ts";
import type { ChatLimits } from "../common/limits.ts";
import { reportFailure } from "../common/frame-dispatch.ts";
import type { RoomHostStorage } from "./room-storage.ts";

export const LINES_PER_BLOCK = 10;
/** Enough blocks that the last CHAT_HISTORY_LENGTH lines, however they straddle blocks, are all kept. */
export const CHAT_BLOCKS = Math.ceil(CHAT_HISTORY_LENGTH / LINES_PER_BLOCK) + 1;

export function chatKey(slot: number): string {
  return `chat:${slot}`;
}

const StoredChatBlockSchema = v.object({
  block: v.pipe(v.number(), v.integer(), v.minValue(0)),
  lines: v.array(ChatLineSchema),
});
type StoredChatBlock = v.InferOutput<typeof StoredChatBlockSchema>;

/** What the room gives its chat about its sessions `S`: storage, the table, who a session is, and its own ways to send. */
export interface RoomChatHost<S> {
  storage: RoomHostStorage;
  now(): number;
  /** The puzzle's spec (null before there is one): marks must fall on its table. */
  spec(): PuzzleSpec | null;
  /** To every joined session, on the room's next tick. */
  broadcast(event: BatchEvent): void;
  /** To that session alone (a refusal), with its next replies. */
  reply(session: S, event: Json<BatchEvent>): void;
  /** Who a session is, as its lines and marks show it. */
  speaker(session: S): Speaker;
}

export class RoomChat<S> {
  private readonly relay: ChatRelay;
  /** The last lines, oldest first. */
  private lines: ChatLine[] = [];
  private historyJson: Json<BatchEvent> | null = null;

  constructor(
    limits: ChatLimits,
    private readonly host: RoomChatHost<S>,
  ) {
    this.relay = new ChatRelay(limits);
  }

  /** Reads the stored lines (call with the room's load). */
  async load(): Promise<void> {
    const keys = Array.from({ length: CHAT_BLOCKS }, (_, slot) => chatKey(slot));
    const stored = await this.host.storage.get<unknown>(keys);
    const lines: ChatLine[] = [];
    for (const [key, value] of stored) {
      const block = v.safeParse(StoredChatBlockSchema, value);
      if (block.success) lines.push(...block.output.lines);
      else console.error(`chat storage: ${key} cannot be read and is left out`);
    }
    lines.sort((a, b) => a.id - b.id);
    this.lines = lines.slice(-CHAT_HISTORY_LENGTH);
    this.historyJson = null;
  }

  /** A joiner's first event: the lines so far (none when there are none). */
  history(): Json<BatchEvent>[] {
    if (this.lines.length === 0) return [];
    this.historyJson ??= json<BatchEvent>({ type: "chat-history", lines: this.lines });
    return [this.historyJson];
  }

  say(session: S, chat: Chat): void {
    const nowMs = this.host.now();
    const id = (this.lines.at(-1)?.id ?? -1) + 1;
    const said = this.relay.say(this.host.speaker(session), chat.text, id, nowMs);
    if (!said.ok) return this.host.reply(session, json<BatchEvent>(said.refusal));
    const line = said.event;
    this.lines.push(line);
    if (this.lines.length > CHAT_HISTORY_LENGTH) this.lines.shift();
    this.historyJson = null;
    this.store(line.id);
    this.host.broadcast({ type: "chat", line });
  }

  mark(session: S, mark: Mark): void {
    const marked = this.relay.mark(this.host.speaker(session), mark, this.host.spec(), this.host.now());
    if (!marked.ok) return this.host.reply(session, json<BatchEvent>(marked.refusal));
    this.host.broadcast(marked.event);
  }

  /**
   * Writes the block of line `id` whole. Not awaited, as the room's own writes
   * are not: the runtime holds the frames sent after it until it is durable.
   */
  private store(id: number): void {
    const block = Math.floor(id / LINES_PER_BLOCK);
    const value: StoredChatBlock = { block, lines: this.lines.filter((line) => Math.floor(line.id / LINES_PER_BLOCK) === block) };
    this.host.storage.put({ [chatKey(block % CHAT_BLOCKS)]: value }).catch((error: unknown) => reportFailure("a chat write", error));
  }
}
