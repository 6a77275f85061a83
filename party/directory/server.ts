/**
 * The public lobby's directory on PartyKit: one room, "public", of the
 * "directory" party. This file only adapts PartyKit (HTTP, storage, the alarm)
 * to DirectoryCore.
 *
 * The trust boundary. The outside reaches a party only through the project's
 * worker, whose fetch handler runs the party's static `onBeforeRequest` before
 * it forwards the request to the room's Durable Object. A room's call,
 * `room.context.parties.directory.get("public").fetch(...)`, is a call on the
 * Durable Object binding itself (partykit's createMultiParties: `stub.fetch`):
 * it never passes the worker's fetch handler, and a binding cannot be reached
 * from the internet. So `onBeforeRequest` sees every outside request and no
 * room's: it lets GET through and refuses everything else (403). A shared
 * secret var would add nothing: code that could read it could call the binding
 * anyway, and a secret in every request is one more thing to leak in a log.
 * What passes the boundary is still read as untrusted by the core.
 */
import type * as Party from "partykit/server";
import { DirectoryCore } from "./directory-core.ts";
import { readDirectorySettings } from "./directory-settings.ts";
import { DIRECTORY_ROOM, MAX_DIRECTORY_REPORT_BYTES } from "../../shared/directory.ts";
import type { ErrorBody } from "../../shared/http.ts";

const CORS = { "access-control-allow-origin": "*" };
const refuse = (status: number, error: string): Response => Response.json({ error } satisfies ErrorBody, { status, headers: CORS });

export default class Directory implements Party.Server {
  private readonly core: DirectoryCore;

  constructor(readonly room: Party.Room) {
    const settings = readDirectorySettings(room.env);
    this.core = new DirectoryCore(
      {
        storage: room.storage,
        now: () => Date.now(),
        wakeAt: (atMs) => void room.storage.setAlarm(atMs),
      },
      { ttlMs: settings.ttlMs, maxRooms: settings.maxRooms },
    );
  }

  /** From outside: only GET of the one directory room. Rooms' reports never come this way (see the file's comment). */
  static onBeforeRequest(request: Party.Request, lobby: Party.Lobby): Party.Request | Response {
    if (lobby.id !== DIRECTORY_ROOM) return refuse(404, `there is one directory, "${DIRECTORY_ROOM}"`);
    if (request.method !== "GET") return refuse(403, "the directory is read-only from outside: only its rooms may report to it");
    return request;
  }

  /** The directory has no sockets: it answers HTTP only. */
  static onBeforeConnect(): Response {
    return refuse(403, "the directory answers HTTP only: GET it for the listed rooms");
  }

  async onStart(): Promise<void> {
    await this.core.load();
  }

  /** GET: the listing. POST (a room's report, party to party): its answer. */
  async onRequest(request: Party.Request): Promise<Response> {
    if (request.method === "GET") return Response.json(this.core.listing(), { headers: { ...CORS, "cache-control": "no-store" } });
    if (request.method !== "POST") return refuse(405, "use GET for the listed rooms");
    const body = await readText(request as unknown as Request, MAX_DIRECTORY_REPORT_BYTES + 1);
    const answer = this.core.report(body);
    return Response.json(answer.body, { status: answer.status, headers: CORS });
  }

  async onAlarm(): Promise<void> {
    await this.core.expire();
  }
}

/** At most `limit` bytes of the body as text: the rest is never read, and the core refuses a body that long. */
async function readText(request: Request, limit: number): Promise<string> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    total += value.byteLength;
  }
  if (total >= limit) await reader.cancel();
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return new TextDecoder().decode(bytes.subarray(0, limit));
}
