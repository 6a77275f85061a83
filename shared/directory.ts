/**
 * The public lobby's directory (issue 14): the bodies of its HTTP API, schemas
 * first. A stateful room that was created listed reports itself to the
 * directory party (party/directory/) as it changes; the landing page reads the
 * list. Both sides read these bodies with `parseBody` (shared/http.ts).
 */
import * as v from "valibot";
import { MAX_PIECES, PuzzleOptionsSchema } from "./puzzle-spec.ts";
import { ROOM_ID_PATTERN, ROOM_ID_RULE } from "./room-id.ts";

/** partykit.json's name for the directory party (no dashes: PartyKit makes identifiers of them). */
export const DIRECTORY_PARTY = "directory";
/** The one room of the directory party: every report goes there and the lobby reads it there. */
export const DIRECTORY_ROOM = "public";
/** Where the landing page reads the list (GET), same origin. */
export const DIRECTORY_PATH = `/parties/${DIRECTORY_PARTY}/${DIRECTORY_ROOM}`;
/**
 * The largest report a directory reads: a real one is about 150 bytes, so a
 * body past this is not a room's and is refused (413) before it is parsed.
 */
export const MAX_DIRECTORY_REPORT_BYTES = 1_024;
/** Players or watchers a report may claim: far past any room's limit (party/common/settings.ts), so a count past it is not a room's. */
const MAX_COUNT = 1_000_000;

const Count = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(max));

/**
 * POST /parties/directory/public (party to party only): a room says what it is
 * now. Unknown keys are refused, so a body that is not a room's report fails
 * loudly instead of passing in part.
 */
export const DirectoryReportSchema = v.strictObject({
  /** The room's id, which is also its name in the list. */
  room: v.pipe(v.string(), v.regex(ROOM_ID_PATTERN, ROOM_ID_RULE)),
  /**
   * The picture the puzzle was made with: a built-in image or the room's
   * upload, turned into a URL by the landing page with the rule the game
   * uses (client/images.ts), so no report can point the page anywhere else.
   */
  imageId: PuzzleOptionsSchema.entries.imageId,
  pieces: Count(MAX_PIECES),
  /** Pieces locked on the board. */
  placed: Count(MAX_PIECES),
  /** Players connected now. */
  players: Count(MAX_COUNT),
  watchers: Count(MAX_COUNT),
  /** Only the stateful room lists itself (the stateless modes have no room to report from). */
  mode: v.literal("stateful"),
  completed: v.boolean(),
});
export type DirectoryReport = v.InferOutput<typeof DirectoryReportSchema>;

/** One listed room, as the landing page sees it: the report and when the directory last heard of it. */
export const DirectoryEntrySchema = v.object({
  ...DirectoryReportSchema.entries,
  updatedAtMs: v.number(),
});
export type DirectoryEntry = v.InferOutput<typeof DirectoryEntrySchema>;

/** GET /parties/directory/public: the rooms listed now, busiest first, and how long a room stays without news. */
export const DirectoryListingSchema = v.object({
  rooms: v.array(DirectoryEntrySchema),
  ttlMs: v.number(),
});
export type DirectoryListing = v.InferOutput<typeof DirectoryListingSchema>;

/** The directory's answer to a report it took. */
export const DirectoryAcceptedSchema = v.object({ room: DirectoryReportSchema.entries.room, listed: v.literal(true) });
export type DirectoryAccepted = v.InferOutput<typeof DirectoryAcceptedSchema>;
