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
import { StoreEvidenceSchema, parseBody, type ErrorBody, type RoomSummary, type StoreEvidence, type WireRoomState } from "../../shared/http.ts";
import { reportFailure } from "../common/frame-dispatch.ts";
import { SocketParty, refuseRoomId } from "../common/socket-party.ts";
import { readChatLimits, readQuotas } from "../common/limits.ts";
import { addressQuotas } from "../common/address-quota.ts";
import { readStatelessConfig, type StatelessConfig } from "./config.ts";
import { decodeDocument, snapshotOf, type PuzzleDocument } from "./document.ts";
import { FUNCTION_PARTY, STORE_PARTY } from "./function.ts";
import { HubCore } from "./hub-core.ts";
import { InvocationResultSchema, type Invocation, type InvocationResult, type StatelessMode } from "./invocation.ts";
import { StoreStatsSchema, type StoreStats } from "./store.ts";
import { KEEP_PICTURE_PATH } from "../common/picture-paths.ts";

/** What the hub's summary reads from the store. */
interface StoreView {
  stats: StoreStats;
  document: PuzzleDocument | null;
}

export default class StatelessHub extends SocketParty implements Party.Server {
  static options = { hibernate: false };

  protected readonly core: HubCore;
  private readonly config: StatelessConfig;
  private nextInstance = 0;

  constructor(readonly room: Party.Room) {
    super(room.env);
    this.config = readStatelessConfig(room.env);
    const quotas = readQuotas(room.env);
    const documentId = documentIdOf(room.name, room.id);
    this.core = new HubCore(
      {
        invoke: (invocation) => this.invoke(invocation),
        now: () => Date.now(),
        randomId: () => crypto.randomUUID(),
        requestCursorFlush: (delayMs) => setTimeout(() => this.core.flushCursors(), delayMs),
        admitCreation: (address) =>
          addressQuotas(quotas.roomsPerAddressPerMin, quotas.uploadsPerAddressPerMin).rooms.admit(address, documentId, Date.now())
            ? null
            : `you have created ${quotas.roomsPerAddressPerMin} rooms in the last minute; wait a little before creating another`,
        keepPicture: () => this.keepPicture(),
      },
      { mode: modeOfParty(room.name), maxPlayers: readMaxPlayers(room.env), documentId, chat: readChatLimits(room.env) },
    );
  }

  /** A room id that is not one never gets a hub (the stateful room refuses the same ids with the same sentence). */
  static onBeforeConnect(request: Party.Request, lobby: Party.Lobby): Party.Request | Response {
    return refuseRoomId(lobby) ?? request;
  }

  static onBeforeRequest(request: Party.Request, lobby: Party.Lobby): Party.Request | Response {
    return refuseRoomId(lobby) ?? request;
  }

  /**
   * GET: a JSON summary like the stateful room's plus `backend`; GET ?state=1 adds
   * the stored snapshot; GET ?evidence=1 answers the store's latest overwrites (StoreEvidence).
   */
  async onRequest(request: Party.Request): Promise<Response> {
    if (request.method !== "GET") return Response.json({ error: "only GET is supported here" } satisfies ErrorBody, { status: 405 });
    if (new URL(request.url).searchParams.get("evidence") === "1") return this.evidence();
    let stored: StoreView;
    try {
      stored = await this.readStore();
    } catch (error) {
      reportFailure(`the summary of ${this.core.options.documentId}`, error);
      return Response.json({ error: `the store could not be read: ${error instanceof Error ? error.message : String(error)}` } satisfies ErrorBody, { status: 500, headers: CORS });
    }
    const { stats, document } = stored;
    const summary: RoomSummary = {
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
      rotation: document?.state.spec.rotation ?? false,
      backend: {
        config: this.config,
        store: { ...stats.counters, revision: stats.revision, documentBytes: stats.documentBytes },
        functions: { ...this.core.counters },
      },
    };
    const url = new URL(request.url);
    if (url.searchParams.get("limits") === "1") summary.guard = this.guardCounters;
    const body =
      url.searchParams.get("state") === "1" ? ({ ...summary, snapshot: document ? snapshotOf(document, this.core.publicPlayers(), Date.now()) : null } satisfies WireRoomState) : summary;
    return Response.json(body, { headers: CORS });
  }

  /** The store's trace of its latest overwrites, checked on the way through. */
  private async evidence(): Promise<Response> {
    try {
      const response = await this.room.context.parties[STORE_PARTY]!.get(this.core.options.documentId).fetch("/?evidence=1");
      if (!response.ok) throw new Error(`the store answered ${response.status}`);
      return Response.json(parseBody(StoreEvidenceSchema, await response.json(), "the store's evidence") satisfies StoreEvidence, { headers: CORS });
    } catch (error) {
      reportFailure(`the evidence of ${this.core.options.documentId}`, error);
      return Response.json({ error: `the store's evidence could not be read: ${error instanceof Error ? error.message : String(error)}` } satisfies ErrorBody, { status: 500, headers: CORS });
    }
  }

  /** The store's stats and its document, both checked: they cross a party boundary. */
  private async readStore(): Promise<StoreView> {
    const response = await this.room.context.parties[STORE_PARTY]!.get(this.core.options.documentId).fetch("/?stats=1");
    if (!response.ok) throw new Error(`the store answered ${response.status}`);
    const stats = parseBody(StoreStatsSchema, await response.json(), "the store's stats");
    return { stats, document: stats.document === null ? null : decodeDocument(stats.document) };
  }

  /** Uploaded pictures live with the stateful party of the same room id (image-store.ts): tell it one was used. */
  private async keepPicture(): Promise<void> {
    const response = await this.room.context.parties.main!.get(this.room.id).fetch(KEEP_PICTURE_PATH, { method: "POST" });
    if (!response.ok) throw new Error(`the picture's room answered ${response.status}`);
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
    return parseBody(InvocationResultSchema, await response.json(), `function ${instance}'s answer`);
  }
}

const CORS = { "access-control-allow-origin": "*" };

/** The store document of a room: one per party and room id; every valid room id fits (invocation.ts). */
function documentIdOf(party: string, roomId: string): string {
  return `${party}.${roomId}`;
}

function modeOfParty(party: string): StatelessMode {
  const mode = MODES.find((candidate) => PARTY_FOR_MODE[candidate] === party);
  if (mode !== "stateless" && mode !== "stateless-occ") throw new Error(`party ${party} is not a stateless mode's party (see PARTY_FOR_MODE)`);
  return mode;
}
