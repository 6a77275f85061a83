/**
 * The room's HTTP side: uploading and fetching a player's own image (kept by the
 * stateful room of the same name, whatever the mode), and reading the
 * authoritative state for the lost-move and desync check.
 */
import * as v from "valibot";
import { PARTY_FOR_MODE, SnapshotSchema, type Mode, type Snapshot } from "../../shared/protocol.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";

/** Uploaded images live with the stateful party: storage there is the room's own. */
const IMAGE_PARTY = PARTY_FOR_MODE.stateful;
/** How often the authoritative state is compared with this client's view. */
export const INTEGRITY_CHECK_INTERVAL_MS = 2_000;

export function imagePath(room: string): string {
  return `/parties/${IMAGE_PARTY}/${encodeURIComponent(room)}/image`;
}

const UploadResultSchema = v.object({ imageId: v.string(), bytes: v.number() });
const ErrorBodySchema = v.object({ error: v.string() });

/** POSTs the image bytes to the room; resolves to the image id to create the puzzle with. */
export async function uploadImage(room: string, image: Blob): Promise<string> {
  const response = await fetch(imagePath(room), { method: "POST", body: image, headers: { "content-type": image.type } });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) {
    const error = v.safeParse(ErrorBodySchema, body);
    throw new Error(error.success ? error.output.error : `upload failed with HTTP ${response.status}`);
  }
  const result = v.safeParse(UploadResultSchema, body);
  if (!result.success) throw new Error("the room answered the upload with something unexpected");
  return result.output.imageId;
}

const StateResponseSchema = v.object({ snapshot: v.nullable(SnapshotSchema) });

async function fetchSnapshot(mode: Mode, room: string): Promise<Snapshot | null> {
  const response = await fetch(`/parties/${PARTY_FOR_MODE[mode]}/${encodeURIComponent(room)}?state=1`, { cache: "no-store" });
  if (!response.ok) return null;
  const parsed = v.safeParse(StateResponseSchema, await response.json());
  return parsed.success ? parsed.output.snapshot : null;
}

/** Fetches the authoritative state every INTEGRITY_CHECK_INTERVAL_MS and hands it to the store. */
export function startIntegrityChecks(mode: Mode, room: string, store: PuzzleStore): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = async (): Promise<void> => {
    if (stopped) return;
    if (store.status === "open") {
      const startedAtMs = performance.now();
      try {
        const snapshot = await fetchSnapshot(mode, room);
        if (snapshot && !stopped) store.checkIntegrity(snapshot, startedAtMs);
      } catch {
        // The next round tries again; the connection banner covers outages.
      }
    }
    if (!stopped) timer = setTimeout(() => void run(), INTEGRITY_CHECK_INTERVAL_MS);
  };
  timer = setTimeout(() => void run(), INTEGRITY_CHECK_INTERVAL_MS);
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
  };
}
