/**
 * The WebSocket half of every room-like party: PartyKit's socket events handed
 * through the boundary's guard (socket-guard.ts: identity per socket, rate
 * limits, hello deadline, heartbeat) to a transport-free core. The stateful
 * room and the stateless hubs extend it; both refuse a room id that is not one
 * before a room object even exists.
 */
import type * as Party from "partykit/server";
import { roomIdProblem } from "../../shared/room-id.ts";
import type { ErrorBody, GuardCounters } from "../../shared/http.ts";
import { readConnectionLimits, type ConnectionLimits } from "./limits.ts";
import { SocketGuard, type SocketCore } from "./socket-guard.ts";

export type { SocketCore } from "./socket-guard.ts";

/** Where the runtime shows the client's address: Cloudflare sets it on every request it forwards. */
export const CLIENT_ADDRESS_HEADER = "cf-connecting-ip";

/** A 400 naming what a room id is, for a request or an upgrade to a room whose id is not one. */
export function refuseRoomId(lobby: { id: string }): Response | null {
  const problem = roomIdProblem(lobby.id);
  return problem === null ? null : Response.json({ error: problem } satisfies ErrorBody, { status: 400, headers: { "access-control-allow-origin": "*" } });
}

export abstract class SocketParty {
  protected abstract readonly core: SocketCore;
  private guardOf: SocketGuard<Party.Connection> | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private limitsOf: ConnectionLimits | null = null;

  constructor(protected readonly env: Record<string, unknown>) {}

  /** The limits from partykit.json vars, read once. */
  protected get limits(): ConnectionLimits {
    this.limitsOf ??= readConnectionLimits(this.env);
    return this.limitsOf;
  }

  /** What the guard did so far, for the room's summary. */
  protected get guardCounters(): GuardCounters {
    return { ...this.guard.counters };
  }

  /** Open sockets, joined or not. */
  protected get openSockets(): number {
    return this.guardOf?.size ?? 0;
  }

  private get guard(): SocketGuard<Party.Connection> {
    this.guardOf ??= new SocketGuard(this.core, this.limits, () => Date.now(), () => crypto.getRandomValues(new Uint32Array(1))[0]!);
    return this.guardOf;
  }

  onConnect(connection: Party.Connection, ctx: Party.ConnectionContext): void {
    this.guard.open(connection, ctx.request.headers.get(CLIENT_ADDRESS_HEADER) ?? undefined);
    this.heartbeat ??= setInterval(() => {
      this.guard.tick();
      this.afterSocketsChanged();
    }, this.limits.heartbeatIntervalMs);
  }

  onMessage(message: string | ArrayBuffer | ArrayBufferView, sender: Party.Connection): void {
    this.guard.receive(sender, message);
  }

  onClose(connection: Party.Connection): void {
    this.guard.closed(connection);
    this.afterSocketsChanged();
  }

  onError(connection: Party.Connection): void {
    this.guard.closed(connection);
    this.afterSocketsChanged();
  }

  /** The party has no socket left: the room may unload (server.ts does). */
  protected onIdle(): void {}

  private afterSocketsChanged(): void {
    if (this.guard.size > 0) return;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.onIdle();
  }
}
