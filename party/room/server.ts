/**
 * The stateful room on PartyKit: one long-lived room object per puzzle. This file
 * only adapts PartyKit (sockets, storage, timers, HTTP) to RoomCore.
 */
import type * as Party from "partykit/server";
import { RoomCore } from "./room-core.ts";
import { SocketParty } from "../common/socket-party.ts";
import { readMaxPlayers } from "../common/settings.ts";
import { handleImageRequest } from "./image-store.ts";
import { handleLogRequest } from "./log-endpoint.ts";
import type { ErrorBody, RoomState } from "../../shared/http.ts";

export default class StatefulRoom extends SocketParty implements Party.Server {
  static options = { hibernate: false };

  protected readonly core: RoomCore;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(readonly room: Party.Room) {
    super();
    this.core = new RoomCore(
      {
        storage: room.storage,
        now: () => Date.now(),
        randomId: () => crypto.randomUUID(),
        requestFlush: (delayMs) => {
          if (this.flushTimer !== null) clearTimeout(this.flushTimer);
          this.flushTimer = setTimeout(() => {
            this.flushTimer = null;
            this.core.flush();
          }, delayMs);
        },
      },
      { mode: "stateful", maxPlayers: readMaxPlayers(room.env) },
    );
  }

  async onStart(): Promise<void> {
    await this.core.load();
  }

  /**
   * GET: a JSON summary; GET ?state=1 adds the full snapshot (tests, load scripts).
   * GET/POST .../image: the room's uploaded puzzle image (image-store.ts).
   * GET .../log?from=<index>: a page of the action log (log-endpoint.ts).
   * A room whose storage cannot be read answers 500 with why.
   */
  async onRequest(request: Party.Request): Promise<Response> {
    if (new URL(request.url).pathname.endsWith("/image")) return handleImageRequest(request as unknown as Request, this.room.storage);
    if (request.method !== "GET") return Response.json({ error: "only GET is supported here" } satisfies ErrorBody, { status: 405 });
    const unreadable = this.core.unreadable;
    if (unreadable !== null) return Response.json({ error: `this room's storage cannot be read: ${unreadable}` } satisfies ErrorBody, { status: 500, headers: CORS });
    if (new URL(request.url).pathname.endsWith("/log")) return handleLogRequest(new URL(request.url), this.core);
    const summary = this.core.summary();
    const body = new URL(request.url).searchParams.get("state") === "1" ? ({ ...summary, snapshot: this.core.snapshot() } satisfies RoomState) : summary;
    return Response.json(body, { headers: CORS });
  }
}

const CORS = { "access-control-allow-origin": "*" };
