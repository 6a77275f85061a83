/**
 * Room ids: the part of a link that names a room. Every party (the stateful
 * room, the stateless hubs and their store documents) and the lobby accept the
 * same ids and refuse the rest with the same sentence.
 */

/** Letters, digits, `-` and `_`, starting with a letter or digit, at most 64. */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const ROOM_ID_RULE = "a room id is 1 to 64 letters, digits, - or _, starting with a letter or digit";

/** Null when `id` is a valid room id, else the sentence saying what a room id is. */
export function roomIdProblem(id: string): string | null {
  return ROOM_ID_PATTERN.test(id) ? null : `"${id.length > 80 ? `${id.slice(0, 80)}…` : id}" is not a room id: ${ROOM_ID_RULE}.`;
}
