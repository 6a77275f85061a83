/**
 * A player's own puzzle image, kept in the room's storage so everyone who joins
 * gets it from the room. Stored values must stay under 128 KiB, so the bytes are
 * split into chunks; the type is checked from the bytes themselves, not trusted
 * from the request.
 */
import type { ErrorBody, UploadResult } from "../../shared/http.ts";
import { KEYS_PER_CALL, type RoomStorage } from "./room-storage.ts";

/** Largest image a room accepts; the client scales photos down well below this. */
export const MAX_IMAGE_BYTES = 4 * 1024 * 1024;
/** Bytes per stored value, under the 128 KiB limit of a Durable Object value. */
export const IMAGE_CHUNK_BYTES = 96 * 1024;
const META_KEY = "image:meta";
const chunkKey = (index: number): string => `image:${index}`;

export const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"] as const;
type ImageType = (typeof IMAGE_TYPES)[number];

interface ImageMeta {
  imageId: string;
  type: ImageType;
  bytes: number;
  chunks: number;
}

/** The image type the bytes really are, from their signature. */
export function sniffImageType(bytes: Uint8Array): ImageType | null {
  const starts = (signature: number[], offset = 0) => signature.every((byte, index) => bytes[offset + index] === byte);
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return null;
}

/** Every refusal: a sentence to show (shared/http.ts ErrorBody). */
const refuse = (error: string, status: number): Response => Response.json({ error } satisfies ErrorBody, { status });

/** Handles GET (serve the image) and POST (store it once) on `/parties/main/<room>/image`. */
export async function handleImageRequest(request: Request, storage: RoomStorage): Promise<Response> {
  if (request.method === "GET") return serveImage(storage);
  if (request.method === "POST") return storeImage(request, storage);
  return refuse("use GET to fetch the room's image or POST to upload it", 405);
}

async function readMeta(storage: RoomStorage): Promise<ImageMeta | undefined> {
  return (await storage.get<ImageMeta>([META_KEY])).get(META_KEY);
}

async function serveImage(storage: RoomStorage): Promise<Response> {
  const meta = await readMeta(storage);
  if (!meta) return refuse("this room has no uploaded image", 404);
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
      "content-type": meta.type,
      // A room's image never changes once stored.
      "cache-control": "public, max-age=31536000, immutable",
      "x-image-id": meta.imageId,
    },
  });
}

async function storeImage(request: Request, storage: RoomStorage): Promise<Response> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > MAX_IMAGE_BYTES) return refuse(`image of ${declared} bytes exceeds ${MAX_IMAGE_BYTES}`, 413);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength === 0) return refuse("the upload is empty", 400);
  if (bytes.byteLength > MAX_IMAGE_BYTES) return refuse(`image of ${bytes.byteLength} bytes exceeds ${MAX_IMAGE_BYTES}`, 413);
  const type = sniffImageType(bytes);
  if (!type) return refuse(`only ${IMAGE_TYPES.join(", ")} images are accepted`, 415);
  const contentType = request.headers.get("content-type")?.split(";")[0]?.trim();
  if (contentType && contentType !== type) return refuse(`the upload says ${contentType} but its bytes are ${type}`, 415);
  if (await readMeta(storage)) return refuse("this room already has an image; create a new room for another", 409);

  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const imageId = `upload-${[...digest.slice(0, 8)].map((byte) => byte.toString(16).padStart(2, "0")).join("")}`;
  const chunks = Math.ceil(bytes.byteLength / IMAGE_CHUNK_BYTES);
  const entries: Record<string, unknown> = {};
  for (let index = 0; index < chunks; index++) entries[chunkKey(index)] = bytes.slice(index * IMAGE_CHUNK_BYTES, (index + 1) * IMAGE_CHUNK_BYTES);
  const keys = Object.keys(entries);
  for (let start = 0; start < keys.length; start += KEYS_PER_CALL) {
    await storage.put(Object.fromEntries(keys.slice(start, start + KEYS_PER_CALL).map((key) => [key, entries[key]])));
  }
  // Meta last: a reader never sees an image whose chunks are not all there.
  const meta: ImageMeta = { imageId, type, bytes: bytes.byteLength, chunks };
  await storage.put({ [META_KEY]: meta });
  return Response.json({ imageId, bytes: bytes.byteLength } satisfies UploadResult, { status: 201 });
}
