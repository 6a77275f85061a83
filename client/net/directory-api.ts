/**
 * The public lobby's list over HTTP: GET of the directory party (shared/
 * directory.ts), read with the shared schema, polled while the landing page
 * is open.
 */
import { DIRECTORY_PATH, DirectoryListingSchema, type DirectoryListing } from "../../shared/directory.ts";
import { parseBody } from "../../shared/http.ts";

/** How often the landing page asks for the list again. */
export const DIRECTORY_REFRESH_MS = 5_000;

/** The listed rooms now; throws an Error fit to show when the directory does not answer with a list. */
export async function fetchDirectory(): Promise<DirectoryListing> {
  const response = await fetch(DIRECTORY_PATH, { cache: "no-store" });
  if (!response.ok) throw new Error(`the lobby's list did not load (HTTP ${response.status})`);
  return parseBody(DirectoryListingSchema, await response.json(), "the lobby's list");
}

/** Whether the page is seen, and a way to hear when it is seen again: the document's, or a test's. */
export interface PageVisibility {
  hidden(): boolean;
  /** Calls `seen` once the page is visible again; returns a function that stops listening. */
  whenVisible(seen: () => void): () => void;
}

const documentVisibility: PageVisibility = {
  hidden: () => document.hidden,
  whenVisible(seen) {
    const listener = () => {
      if (document.hidden) return;
      document.removeEventListener("visibilitychange", listener);
      seen();
    };
    document.addEventListener("visibilitychange", listener);
    return () => document.removeEventListener("visibilitychange", listener);
  },
};

/**
 * Calls `show` with the list now and every DIRECTORY_REFRESH_MS after each
 * answer (never two asks at once), `failed` with a sentence when an ask
 * fails; returns a function that stops it. A hidden page (a background tab)
 * asks nothing: the next ask waits until it is seen, and is made at once then.
 */
export function pollDirectory(show: (listing: DirectoryListing) => void, failed: (reason: string) => void, page: PageVisibility = documentVisibility): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopWaiting: (() => void) | null = null;
  const run = async (): Promise<void> => {
    if (page.hidden()) {
      stopWaiting = page.whenVisible(() => {
        stopWaiting = null;
        if (!stopped) void run();
      });
      return;
    }
    try {
      const listing = await fetchDirectory();
      if (!stopped) show(listing);
    } catch (error) {
      if (!stopped) failed(error instanceof TypeError ? "the lobby's list did not load: the network failed" : (error as Error).message);
    }
    if (!stopped) timer = setTimeout(() => void run(), DIRECTORY_REFRESH_MS);
  };
  void run();
  return () => {
    stopped = true;
    if (timer !== null) clearTimeout(timer);
    stopWaiting?.();
  };
}
