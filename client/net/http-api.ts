/**
 * The room's HTTP side: uploading and fetching a player's own image (kept by the
 * stateful room of the same name, whatever the mode), and polling the
 * authoritative state for the lost-move and desync check. Every body is
 * validated with the shared schemas (shared/http.ts) before it is used.
 */
import * as v from "valibot";
import { PARTY_FOR_MODE, type Mode, type Snapshot } from "../../shared/protocol.ts";
import { ErrorBodySchema, RoomStateSchema, StoreEvidenceSchema, UploadResultSchema, parseBody, type StoreEvidence } from "../../shared/http.ts";

/** Uploaded images live with the stateful party: storage there is the room's own. */
const IMAGE_PARTY = PARTY_FOR_MODE.stateful;
/** How often the authoritative state is compared with this client's view. */
export const INTEGRITY_CHECK_INTERVAL_MS = 2_000;

export function imagePath(room: string): string {
  return `/parties/${IMAGE_PARTY}/${encodeURIComponent(room)}/image`;
}

/** POSTs the image bytes to the room; resolves to the image id to create the puzzle with. */
export async function uploadImage(room: string, image: Blob): Promise<string> {
  const response = await fetch(imagePath(room), { method: "POST", body: image, headers: { "content-type": image.type } });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new Error(v.is(ErrorBodySchema, body) ? body.error : `upload failed with HTTP ${response.status}`);
  return parseBody(UploadResultSchema, body, "the room answered the upload with something unexpected").imageId;
}

/** The room's authoritative (or stored) snapshot; null when it has no puzzle or does not answer. */
async function fetchSnapshot(mode: Mode, room: string): Promise<Snapshot | null> {
  const response = await fetch(`/parties/${PARTY_FOR_MODE[mode]}/${encodeURIComponent(room)}?state=1`, { cache: "no-store" });
  if (!response.ok) return null;
  return parseBody(RoomStateSchema, await response.json(), "the room's state").snapshot;
}

export interface AuthorityCheck {
  /** The clock the check's times are on (the store's). */
  now(): number;
  /** False while a fetch would be wasted (the link is not open). */
  wanted(): boolean;
  /** The snapshot, and when its fetch started: actions acked after that are judged next time. */
  check(snapshot: Snapshot, fetchStartedAtMs: number): void;
}

/** Fetches the authoritative state every INTEGRITY_CHECK_INTERVAL_MS for `target`; returns a stop function. */
export function pollAuthority(mode: Mode, room: string, target: AuthorityCheck): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const run = async (): Promise<void> => {
    if (stopped) return;
    if (target.wanted()) {
      const startedAtMs = target.now();
      try {
        const snapshot = await fetchSnapshot(mode, room);
        if (snapshot && !stopped) target.check(snapshot, startedAtMs);
      } catch (error) {
        // A network failure: the next round tries again, and the connection banner covers outages.
        // Anything else is a body the schemas refuse, which is worth saying.
        if (!(error instanceof TypeError)) console.error(`integrity check skipped: ${String(error)}`);
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

/**
 * A stateless room's store evidence (GET ?evidence=1): the latest overwrites,
 * explained, for the lost-move panel; null when the room answers nothing usable.
 */
export async function fetchEvidence(mode: Mode, room: string): Promise<StoreEvidence | null> {
  if (mode === "stateful") return null;
  const response = await fetch(`/parties/${PARTY_FOR_MODE[mode]}/${encodeURIComponent(room)}?evidence=1`, { cache: "no-store" });
  if (!response.ok) return null;
  return parseBody(StoreEvidenceSchema, await response.json(), "the store's evidence");
}
