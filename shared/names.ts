/**
 * Player names as others see them. A name is normalised the same way by the
 * lobby (to say what is wrong while typing), the rooms and the hubs (which
 * decide): Unicode NFC, control, format and bidi-override characters (and lone
 * surrogates) removed, white space collapsed and trimmed; it must show at least
 * one visible character, and its length is counted in the characters a player
 * sees (grapheme clusters), not in UTF-16 units.
 */

/** Longest name, in characters a player sees. */
export const MAX_NAME_CHARS = 32;
/** Longest name a client may send before normalisation (bounds the work of normalising). */
export const MAX_RAW_NAME_LENGTH = 512;

export type NameCheck = { ok: true; name: string } | { ok: false; reason: string };

/**
 * Cc control, Cf format (bidi overrides and isolates, zero-width spaces, byte
 * order marks...), Cs lone surrogates, Zl/Zp line breaks; but not the two
 * joiners (U+200C, U+200D), which scripts and emoji sequences need.
 */
const INVISIBLE_OR_CONTROL = /(?![\u200C\u200D])[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;
/** Letters that render as nothing (Hangul fillers, the braille blank). */
const BLANK_LETTERS = /[\u115F\u1160\u3164\uFFA0\u2800]/gu;
const VISIBLE = /[\p{L}\p{N}\p{P}\p{S}\p{M}]/u;

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Characters a player sees in `text`. */
export function visibleLength(text: string): number {
  let count = 0;
  for (const _ of segmenter.segment(text)) count++;
  return count;
}

/** Normalises a name, or says in a sentence why it cannot be one. */
export function normalizeName(raw: string): NameCheck {
  if (raw.length > MAX_RAW_NAME_LENGTH) return { ok: false, reason: `Names are at most ${MAX_NAME_CHARS} characters.` };
  const name = raw.normalize("NFC").replace(INVISIBLE_OR_CONTROL, "").replace(/\s+/gu, " ").trim();
  if (!VISIBLE.test(name.replace(BLANK_LETTERS, ""))) return { ok: false, reason: "Type a name with at least one visible character." };
  const length = visibleLength(name);
  if (length > MAX_NAME_CHARS) return { ok: false, reason: `Names are at most ${MAX_NAME_CHARS} characters (this one has ${length}).` };
  return { ok: true, name };
}

/** `name`, or `name (2)`, `name (3)`... whichever no one in `taken` has yet (case and accents aside). */
export function uniqueName(name: string, taken: Iterable<string>): string {
  const fold = (text: string) => text.normalize("NFKC").toLocaleLowerCase("en");
  const used = new Set([...taken].map(fold));
  if (!used.has(fold(name))) return name;
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    // Keep the suffixed name within the limit too.
    const graphemes = [...segmenter.segment(name)].map((part) => part.segment);
    const candidate = graphemes.slice(0, MAX_NAME_CHARS - suffix.length).join("").trimEnd() + suffix;
    if (!used.has(fold(candidate))) return candidate;
  }
}
