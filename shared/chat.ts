/**
 * Chat and marks on the table (issue 14), as rules: the schemas of their
 * messages and events, how a chat line is normalised, what a mark may point at,
 * and the limits both sides share. Pure: the rooms, the hubs and the client
 * (to say what is wrong before sending) all decide by these functions.
 *
 * A "mark" is what players call a ping on the board; on the wire it is named
 * `mark` because `ping` is already the round-trip ping and the server's heartbeat.
 *
 * Normalisation, and what is refused rather than changed:
 * - Unicode NFC; every run of white space (tabs, line breaks, any Zs space)
 *   becomes one space, and the ends are trimmed.
 * - Invisible format characters (zero-width spaces, byte order marks, soft
 *   hyphens, left-to-right and right-to-left marks) and lone surrogates are
 *   removed, as names lose them (shared/names.ts); the two joiners stay, emoji
 *   sequences need them.
 * - Control characters (C0 and C1, other than white space) and the bidi
 *   embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) are
 *   refused ("control-characters"): they can make a line read differently from
 *   what it says (Trojan Source), so the sender is told instead of having the
 *   line silently changed.
 * - Markup is text: `<b>` stays the four characters it is and is shown as such
 *   (the panel writes textContent, never HTML). Refusing it would refuse "<3".
 * - Nothing visible left: refused ("empty"); over MAX_CHAT_CHARS characters a
 *   player sees (grapheme clusters): refused ("too-long").
 */
import * as v from "valibot";
import { visibleLength } from "./names.ts";
import type { PuzzleSpec } from "./puzzle-spec.ts";

/** Longest chat line, in characters a player sees. */
export const MAX_CHAT_CHARS = 280;
/** Longest line a client may send before normalisation, in UTF-16 units (the frame limit bounds it too). */
export const MAX_RAW_CHAT_LENGTH = 2_000;
/** Lines a room keeps, and a joiner is sent. */
export const CHAT_HISTORY_LENGTH = 100;
/** How long a mark shows on the table. */
export const MARK_SHOWN_MS = 4_000;
/** The colour of a watcher's lines and marks: watchers have no player colour. */
export const WATCHER_COLOR = "#9aa3ad";

/** What a mark says: "look here", or one of a few emotes. */
export const MARK_KINDS = ["look", "thumbs-up", "question", "heart"] as const;
export const MarkKindSchema = v.picklist(MARK_KINDS);
export type MarkKind = v.InferOutput<typeof MarkKindSchema>;

/** Why a chat line or a mark was refused; nothing changed for anyone. */
export const CHAT_REFUSALS = ["empty", "too-long", "control-characters", "rate-limited", "off-table"] as const;
export type ChatRefusal = (typeof CHAT_REFUSALS)[number];

const PlayerId = v.pipe(v.string(), v.minLength(1), v.maxLength(64));
const Coordinate = v.pipe(v.number(), v.finite(), v.minValue(-1e6), v.maxValue(1e6));

// ---- client to server ----

/** A chat line as typed: the room normalises it (normalizeChat) and refuses it with a reason if it must. */
export const ChatSchema = v.object({ type: v.literal("chat"), text: v.pipe(v.string(), v.maxLength(MAX_RAW_CHAT_LENGTH)) });
/** A mark at a table spot (table pixels, as the cursor's); a spot off the table is refused ("off-table"). */
export const MarkSchema = v.object({ type: v.literal("mark"), x: Coordinate, y: Coordinate, kind: MarkKindSchema });
export type Chat = v.InferOutput<typeof ChatSchema>;
export type Mark = v.InferOutput<typeof MarkSchema>;

// ---- server to client (batch events) ----

/** Who said or marked something, as everyone sees it. */
const SpeakerEntries = {
  /** The player id, or a watcher's connection id. */
  from: PlayerId,
  name: v.string(),
  color: v.string(),
  watcher: v.boolean(),
};

/** One chat line as the room keeps and sends it: `id` counts up in the room, across restarts. */
export const ChatLineSchema = v.object({
  id: v.pipe(v.number(), v.integer(), v.minValue(0)),
  ...SpeakerEntries,
  text: v.string(),
  atMs: v.number(),
});
export type ChatLine = v.InferOutput<typeof ChatLineSchema>;

export const ChatEventSchema = v.object({ type: v.literal("chat"), line: ChatLineSchema });
/** The last lines of the room, oldest first, in a joiner's first frame (stateful rooms only). */
export const ChatHistoryEventSchema = v.object({ type: v.literal("chat-history"), lines: v.pipe(v.array(ChatLineSchema), v.maxLength(CHAT_HISTORY_LENGTH)) });
export const MarkEventSchema = v.object({ type: v.literal("mark"), ...SpeakerEntries, x: v.number(), y: v.number(), kind: MarkKindSchema });
/** This connection's chat line or mark was refused, and why; nothing changed for anyone. */
export const ChatRefusedEventSchema = v.object({
  type: v.literal("chat-refused"),
  about: v.picklist(["chat", "mark"]),
  reason: v.picklist(CHAT_REFUSALS),
  message: v.string(),
});
export type ChatEvent = v.InferOutput<typeof ChatEventSchema>;
export type ChatHistoryEvent = v.InferOutput<typeof ChatHistoryEventSchema>;
export type MarkEvent = v.InferOutput<typeof MarkEventSchema>;
export type ChatRefusedEvent = v.InferOutput<typeof ChatRefusedEventSchema>;

// ---- the rules ----

export type ChatCheck = { ok: true; text: string } | { ok: false; reason: Extract<ChatRefusal, "empty" | "too-long" | "control-characters">; message: string };

/** C0 and C1 controls that are not white space, and the bidi embeddings, overrides and isolates. */
const REFUSED_CONTROLS = /[\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F\u202A-\u202E\u2066-\u2069]/u;
/** Format characters (but the two joiners) and lone surrogates: invisible, removed. */
const INVISIBLE = /(?![\u200C\u200D])[\p{Cf}\p{Cs}]/gu;
/** White space of every kind, including the line and paragraph separators. */
const SPACES = /[\s\p{Z}\u0085]+/gu;
/** Letters that render as nothing (Hangul fillers, the braille blank). */
const BLANK_LETTERS = /[\u115F\u1160\u3164\uFFA0\u2800]/gu;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}\p{M}]/u;

/** Normalises a chat line, or says why it cannot be sent (see the file's comment). */
export function normalizeChat(raw: string): ChatCheck {
  if (raw.length > MAX_RAW_CHAT_LENGTH) return tooLong(MAX_RAW_CHAT_LENGTH);
  if (REFUSED_CONTROLS.test(raw)) return { ok: false, reason: "control-characters", message: "Messages cannot carry control or text-direction override characters." };
  const text = raw.normalize("NFC").replace(INVISIBLE, "").replace(SPACES, " ").trim();
  if (!VISIBLE.test(text.replace(BLANK_LETTERS, ""))) return { ok: false, reason: "empty", message: "Type something to say first." };
  const length = visibleLength(text);
  if (length > MAX_CHAT_CHARS) return tooLong(length);
  return { ok: true, text };
}

function tooLong(length: number): ChatCheck {
  return { ok: false, reason: "too-long", message: `Messages are at most ${MAX_CHAT_CHARS} characters (this one has ${length}).` };
}

/** Whether a mark at (x, y) lies on the table: the table's own rectangle, not the slack the rules give drags. */
export function markOnTable(spec: Pick<PuzzleSpec, "tableWidth" | "tableHeight">, x: number, y: number): boolean {
  return x >= 0 && y >= 0 && x <= spec.tableWidth && y <= spec.tableHeight;
}
