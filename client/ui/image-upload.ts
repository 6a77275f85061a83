/**
 * Prepares a player's own picture for upload: checks type and size, scales big
 * photos down and re-encodes them so the room stores a reasonable image.
 */
import { MAX_IMAGE_SIDE_PX, MIN_IMAGE_SIDE_PX } from "../../shared/puzzle-spec.ts";

export const ACCEPTED_TYPES = ["image/png", "image/jpeg", "image/webp"];
/** Largest file a player may pick; it is scaled down before upload. */
export const MAX_PICKED_BYTES = 15 * 1024 * 1024;
/** Longest side of the uploaded picture: plenty for 2,000 pieces. */
export const UPLOAD_LONG_SIDE_PX = 2_400;
/** Stay under the room's 4 MiB limit with room to spare. */
const UPLOAD_TARGET_BYTES = 3 * 1024 * 1024;

export interface PreparedImage {
  blob: Blob;
  width: number;
  height: number;
}

function toBlob(canvas: HTMLCanvasElement, quality: number): Promise<Blob> {
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error("could not encode the picture"))), "image/jpeg", quality));
}

/** Throws an Error with a message fit to show the player when the file will not do. */
export async function prepareUpload(file: File): Promise<PreparedImage> {
  if (!ACCEPTED_TYPES.includes(file.type)) throw new Error(`"${file.name}" is not a PNG, JPEG or WebP picture.`);
  if (file.size > MAX_PICKED_BYTES) throw new Error(`"${file.name}" is ${(file.size / 1048576).toFixed(1)} MB; pick one under 15 MB.`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(`"${file.name}" could not be read as a picture.`);
  }
  if (Math.min(bitmap.width, bitmap.height) < MIN_IMAGE_SIDE_PX) throw new Error(`The picture is too small (${bitmap.width}x${bitmap.height}).`);
  const scale = Math.min(1, UPLOAD_LONG_SIDE_PX / Math.max(bitmap.width, bitmap.height), MAX_IMAGE_SIDE_PX / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(MIN_IMAGE_SIDE_PX, Math.round(bitmap.width * scale));
  canvas.height = Math.max(MIN_IMAGE_SIDE_PX, Math.round(bitmap.height * scale));
  const ctx = canvas.getContext("2d")!;
  // JPEG has no transparency: put see-through parts on white rather than black.
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  let blob = await toBlob(canvas, 0.9);
  if (blob.size > UPLOAD_TARGET_BYTES) blob = await toBlob(canvas, 0.75);
  return { blob, width: canvas.width, height: canvas.height };
}
