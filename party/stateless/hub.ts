/**
 * The stateless hubs on PartyKit: the parties `stateless` and `stateless-occ`
 * (see PARTY_FOR_MODE) both run this file; the party name picks the mode. This
 * file only adapts PartyKit (sockets, timers, party-to-party fetch, HTTP) to HubCore.
 */
import type * as Party from "partykit/server";
import { MODES, PARTY_FOR_MODE } from "../../shared/protocol.ts";
import { lockedCount } from "../../shared/puzzle-state.ts";
import { pieceCountOf } from "../../shared/puzzle-spec.ts";
import { readMaxPlayers } from "../common/settings.ts";
import type { RoomSummary } from "../../shared/http.ts";
import { SocketParty } from "../common/socket-party.ts";
import { readStatelessConfig, type StatelessConfig } from "./config.ts";
import { decodeDocument, snapshotOf } from "./document.ts";
import { FUNCTION_PARTY, STORE_PARTY } from "./function.ts";
import { HubCore } from "./hub-core.ts";
import type { Invocation, InvocationResult, StatelessBackendSummary, StatelessMode } from "./invocation.ts";
import type { StoreStats } from "./store.ts";

/** GET /parties/<stateless|stateless-occ>/<room>: the room summary plus what the backend spent. */
export type StatelessSummary = RoomSummary & { backend: StatelessBackendSummary };

export default class StatelessHub extends SocketParty implements Party.Server {
  static options = { hibernate: false };

  protected readonly core: HubCore;
  private readonly config: StatelessConfig;
  private nextInstance = 0;

  constructor(readonly room: Party.Room) {
    super();
    this.config = readStatelessConfig(room.env);
    this.core = new HubCore(
      {
        invoke: (invocation) => this.invoke(invocation),
        now: () => Date.now(),
        randomId: () => crypto.randomUUID(),
        requestCursorFlush: (delayMs) => setTimeout(() => this.core.flushCursors(), delayMs),
      },
      { mode: modeOfParty(room.name), maxPlayers: readMaxPlayers(room.env), documentId: `${room.name}.${encodeURIComponent(room.id)}` },
    );
  }

  /** GET: a JSON summary like the stateful room's plus `backend`; GET ?state=1 adds the stored snapshot. */
  async onRequest(request: Party.Request): Promise<Response> {
    if (request.method !== "GET") return Response.json({ error: "only GET is supported here" }, { status: 405 });
    const response = await this.room.context.parties[STORE_PARTY]!.get(this.core.options.documentId).fetch("/?stats=1");
    const stats = (await response.json()) as StoreStats;
    const document = stats.document === null ? null : decodeDocument(stats.document);
    const summary: StatelessSummary = {
      mode: this.core.options.mode,
      created: document !== null,
      pieces: document ? pieceCountOf(document.state.spec) : 0,
      placed: document ? lockedCount(document.state) : 0,
      players: this.core.publicPlayers().length,
      connected: this.core.connectedCount(),
      actionsApplied: this.core.actionsApplied,
      actionsRejected: this.core.actionsRejected,
      version: document?.state.version ?? 0,
      completedAtMs: document?.state.completedAtMs ?? null,
      backend: {
        config: this.config,
        store: { ...stats.counters, revision: stats.revision, documentBytes: stats.documentBytes },
        functions: { ...this.core.counters },
      },
    };
    const url = new URL(request.url);
    const body = url.searchParams.get("state") === "1" ? { ...summary, snapshot: document ? snapshotOf(document, this.core.publicPlayers(), Date.now()) : null } : summary;
    return Response.json(body, { headers: { "access-control-allow-origin": "*" } });
  }

  /** A load balancer in front of the pool: round robin over FN_POOL_SIZE instances. */
  private async invoke(invocation: Invocation): Promise<InvocationResult> {
    const instance = `pool-${this.nextInstance++ % this.config.fnPoolSize}`;
    const response = await this.room.context.parties[FUNCTION_PARTY]!.get(instance).fetch({
      method: "POST",
      body: JSON.stringify(invocation),
      headers: { "content-type": "application/json" },
    });
    if (!response.ok) throw new Error(`function ${instance} answered ${response.status}: ${await response.text()}`);
    return (await response.json()) as InvocationResult;
  }
}

function modeOfParty(party: string): StatelessMode {
  const mode = MODES.find((candidate) => PARTY_FOR_MODE[candidate] === party);
  if (mode !== "stateless" && mode !== "stateless-occ") throw new Error(`party ${party} is not a stateless mode's party (see PARTY_FOR_MODE)`);
  return mode;
}
