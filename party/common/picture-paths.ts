/**
 * Where uploaded pictures live: with the stateful party of the same room id,
 * whatever the room's mode (party/room/image-store.ts), so the hubs need these
 * without depending on the room.
 */

/** The path, under a room's, of its picture. */
export const PICTURE_PATH = "/image";
/** The hubs tell the picture's room a room was made with it (party to party only; outside requests get 403). */
export const KEEP_PICTURE_PATH = "/image/keep";
/** Ids of uploaded pictures start with this. */
export const UPLOADED_PICTURE_PREFIX = "upload-";
