/** Which pieces a snap's glow (snap-flash.ts) outlines. No Phaser, no DOM. */

/**
 * A group of up to this many pieces glows whole; a bigger one glows only where
 * pieces joined it. Outlining a picture half solved (thousands of pieces) for
 * every piece laid on it stroked an image the size of the screen and redrew
 * that much of the canvas every frame of the fade: most of the slow frames at
 * 5,000 pieces.
 */
export const FLASH_WHOLE_GROUP_MAX = 64;

/**
 * What glows when the pieces `joined` (of `members`, a group now) snapped: the
 * whole group if it is small, else the side that joined: the pieces that
 * changed group, or, when the group took a smaller id and so the rest changed
 * instead, the others.
 */
export function glowing(members: readonly number[], joined: ReadonlySet<number>): Set<number> {
  if (members.length <= FLASH_WHOLE_GROUP_MAX) return new Set(members);
  const inGroup = members.filter((id) => joined.has(id));
  return inGroup.length * 2 <= members.length ? new Set(inGroup) : new Set(members.filter((id) => !joined.has(id)));
}
