/**
 * Loading a room's uploaded picture without trusting it: the bytes are fetched,
 * their header read (shared/image-size.ts) and checked against the same size
 * limits the room applies, and only then decoded with createImageBitmap, off
 * the page's DOM. A picture that fails any step becomes a sentence to show,
 * never a blank page or a browser tab that runs out of memory.
 */
import { readPictureHeader, sizeProblem } from "../../shared/image-size.ts";
import { imagePath } from "./http-api.ts";

/** Fetches, checks and decodes the picture uploaded to `room`; throws an Error whose message is fit to show. */
export async function loadRoomPicture(room: string): Promise<ImageBitmap> {
  let response: Response;
  try {
    response = await fetch(imagePath(room));
  } catch {
    throw new Error("The room's picture could not be fetched: the network failed. Reload to try again.");
  }
  if (!response.ok) throw new Error(`The room's picture could not be fetched (HTTP ${response.status}).`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const header = readPictureHeader(bytes);
  if (!header.ok) throw new Error(`The room's picture cannot be shown: ${header.reason}.`);
  const problem = sizeProblem(header.width, header.height);
  if (problem !== null) throw new Error(`The room's picture cannot be shown: ${problem}.`);
  try {
    return await createImageBitmap(new Blob([bytes], { type: header.type }));
  } catch {
    throw new Error(`The room's picture (${header.width}x${header.height}) could not be decoded by this browser.`);
  }
}
