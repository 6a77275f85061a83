/**
 * A player's own puzzle picture, kept in the room's storage so everyone who
 * joins gets it from the room. Stored values must stay under 128 KiB, so the
 * bytes are split into chunks.
 *
 * A picture is decoded, not trusted (shared/image-size.ts): its type and pixel
 * size come from its own header, a declared type must match it, and a picture
 * too big to decode safely is refused with a sentence. The body is counted
 * while it streams in and cut at MAX_IMAGE_BYTES, whatever its declared length.
 *
 * Only the room's creator uploads, before the room exists (the lobby uploads,
 * then creates the room with the picture's id): a room with a puzzle refuses
 * uploads, an address may upload only so many pictures a minute, and a picture
 * no room was created with within UNCLAIMED_PICTURE_TTL_MS is deleted. The
 * stateless modes keep their puzzle elsewhere; their hub tells this room when
 * it created one with the picture (`POST .../image/keep`, party to party only).
 */
import * as v from "valibot";
import { PICTURE_TYPES, checkPicture } from "../../shared/image-size.ts";
import type { ErrorBody, UploadResult } from "../../shared/http.ts";
import { KEYS_PER_CALL, type RoomStorage } from "./room-storage.ts";
import { KEEP_PICTURE_PATH, UPLOADED_PICTURE_PREFIX } from "../common/picture-paths.ts";

/** Largest file a room accepts; the client scales photos down well below this. */
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;
/** Bytes per stored value, under the 128 KiB limit of a Durable Object value. */
export const IMAGE_CHUNK_BYTES = 96 * 1024;
const META_KEY = "image:meta";
const chunkKey = (index: number): string => `image:${index}`;

const ImageMetaSchema = v.object({
  imageId: v.string(),
  type: v.picklist(PICTURE_TYPES),
  bytes: v.number(),
  chunks: v.number(),
  /** Until a room is made with it, the picture is deleted at this time; pictures stored before this rule have none. */
  pendingUntilMs: v.optional(v.number()),
});
type ImageMeta = v.InferOutput<typeof ImageMetaSchema>;

/** The storage a picture needs: the room's, and deleting. */
export interface ImageStorage extends RoomStorage {
  delete(keys: string[]): Promise<number>;
}

/** What the picture handler asks the room it lives in. */
export interface ImageHost {
  storage: ImageStorage;
  now(): number;
  /** Whether this room already has its puzzle (it then takes no picture). */
  roomCreated(): boolean;
  /** Null when the request's address may upload one more picture now, else the sentence saying why not. */
  admitUpload(request: Request): string | null;
  /** Asks for `expirePicture` to run at `atMs`. */
  wakeAt(atMs: number): void;
  /** How long an unclaimed picture is kept. */
  unclaimedTtlMs: number;
}

/** Every refusal: a sentence to show (shared/http.ts ErrorBody). */
const refuse = (error: string, status: number): Response => Response.json({ error } satisfies ErrorBody, { status, headers: CORS });
const CORS = { "access-control-allow-origin": "*" };

/** Handles GET (serve the picture) and POST (store it once) on `/parties/main/<room>/image`, and the hubs' keep. */
export async function handleImageRequest(request: Request, host: ImageHost): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (path.endsWith(KEEP_PICTURE_PATH)) {
    if (request.method !== "POST") return refuse("use POST", 405);
    await keepPicture(host.storage);
    return new Response(null, { status: 204 });
  }
  if (request.method === "GET") return serveImage(host.storage);
  if (request.method === "POST") return storeImage(request, host);
  return refuse("use GET to fetch the room's picture or POST to upload it", 405);
}

async function readMeta(storage: RoomStorage): Promise<ImageMeta | undefined> {
  const stored = (await storage.get<unknown>([META_KEY])).get(META_KEY);
  if (stored === undefined) return undefined;
  const parsed = v.safeParse(ImageMetaSchema, stored);
  if (!parsed.success) throw new Error(`${META_KEY} is not readable: ${parsed.issues[0]?.message ?? "bad value"}`);
  return parsed.output;
}

async function serveImage(storage: RoomStorage): Promise<Response> {
  const meta = await readMeta(storage);
  if (!meta) return refuse("this room has no uploaded picture", 404);
  const keys = Array.from({ length: meta.chunks }, (_, index) => chunkKey(index));
  const body = new Uint8Array(meta.bytes);
  let offset = 0;
  for (let start = 0; start < keys.length; start += KEYS_PER_CALL) {
    const batch = keys.slice(start, start + KEYS_PER_CALL);
    const values = await storage.get<Uint8Array>(batch);
    for (const key of batch) {
      const chunk = values.get(key);
      if (!chunk) return refuse(`room storage is missing ${key}`, 500);
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
  }
  return new Response(body, {
    headers: {
      ...CORS,
      // The type read from the picture's own header when it was stored, and no guessing by the browser.
      "content-type": meta.type,
      "x-content-type-options": "nosniff",
      "content-security-policy": "default-src 'none'; sandbox",
      // A room's picture never changes once stored.
      "cache-control": "public, max-age=31536000, immutable",
      "x-image-id": meta.imageId,
    },
  });
}

async function storeImage(request: Request, host: ImageHost): Promise<Response> {
  const { storage } = host;
  if (host.roomCreated()) return refuse("this room's puzzle is made already: a picture is chosen by the room's creator, before the room is created", 409);
  if (await readMeta(storage)) return refuse("this room already has a picture; create a new room for another", 409);
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_IMAGE_BYTES) return refuse(`a picture of ${declared} bytes exceeds ${MAX_IMAGE_BYTES}`, 413);
  const overQuota = host.admitUpload(request);
  if (overQuota !== null) return refuse(overQuota, 429);
  const bytes = await readBody(request, MAX_IMAGE_BYTES);
  if (bytes === null) return refuse(`the picture exceeds ${MAX_IMAGE_BYTES} bytes`, 413);
  if (bytes.byteLength === 0) return refuse("the upload is empty", 400);
  const picture = checkPicture(bytes, request.headers.get("content-type"));
  if (!picture.ok) return refuse(`${picture.reason}.`, 415);

  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const imageId = `${UPLOADED_PICTURE_PREFIX}${[...digest.slice(0, 8)].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
  const chunks = Math.ceil(bytes.byteLength / IMAGE_CHUNK_BYTES);
  const keys = Array.from({ length: chunks }, (_, index) => chunkKey(index));
  for (let start = 0; start < keys.length; start += KEYS_PER_CALL) {
    const entries: Record<string, Uint8Array> = {};
    for (let index = start; index < Math.min(keys.length, start + KEYS_PER_CALL); index++) entries[keys[index]!] = bytes.slice(index * IMAGE_CHUNK_BYTES, (index + 1) * IMAGE_CHUNK_BYTES);
    await storage.put(entries);
  }
  // Meta last: a reader never sees a picture whose chunks are not all there.
  const pendingUntilMs = host.now() + host.unclaimedTtlMs;
  const meta: ImageMeta = { imageId, type: picture.type, bytes: bytes.byteLength, chunks, pendingUntilMs };
  await storage.put({ [META_KEY]: meta });
  host.wakeAt(pendingUntilMs);
  return Response.json({ imageId, bytes: bytes.byteLength, width: picture.width, height: picture.height } satisfies UploadResult, { status: 201, headers: CORS });
}

/** The body, counted as it streams in; null as soon as it passes `limit` bytes (the rest is never read). */
async function readBody(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel();
      return null;
    }
    parts.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes;
}

/** A room was made with the picture: it is no longer deleted. */
async function keepPicture(storage: RoomStorage): Promise<void> {
  const meta = await readMeta(storage);
  if (meta?.pendingUntilMs === undefined) return;
  const { pendingUntilMs: _pending, ...kept } = meta;
  await storage.put({ [META_KEY]: kept });
}

/**
 * Deletes the picture if no room was made with it in time; keeps it (for good)
 * if one was. The room calls it when woken for the picture's deadline.
 */
export async function expirePicture(host: Pick<ImageHost, "storage" | "now" | "roomCreated" | "wakeAt">): Promise<void> {
  const { storage } = host;
  const meta = await readMeta(storage);
  if (meta?.pendingUntilMs === undefined) return;
  if (host.roomCreated()) return keepPicture(storage);
  if (meta.pendingUntilMs > host.now()) return host.wakeAt(meta.pendingUntilMs);
  // Meta first: a reader never sees a picture whose chunks are going.
  await storage.delete([META_KEY]);
  const keys = Array.from({ length: meta.chunks }, (_, index) => chunkKey(index));
  for (let start = 0; start < keys.length; start += KEYS_PER_CALL) await storage.delete(keys.slice(start, start + KEYS_PER_CALL));
}
