/**
 * A player speaking the real protocol from Node through partysocket: joins a
 * room, keeps a replica from welcome and batches, numbers its actions and
 * records when each was acknowledged or rejected. Tests and load scripts use it.
 */
import PartySocket from "partysocket";
import WebSocket from "ws";
import { PROTOCOL_VERSION, parseServerFrame, type BatchEvent, type ClientMessage, type ErrorCode, type HeartbeatReply, type Mode, type Role, type ServerMessage } from "../shared/protocol.ts";
import type { PuzzleOptions } from "../shared/puzzle-spec.ts";
import type { RejectReason } from "../shared/rules.ts";
import { applyBatch, replicaFromSnapshot, type Replica } from "../shared/replica.ts";
import { actedGroup } from "./acted-group.ts";
import type { HostCommand } from "../shared/host-controls.ts";

type Action = { type: "grab"; pieceId: number } | { type: "move" | "drop"; pieceId: number; x: number; y: number } | { type: "rotate"; pieceId: number; rotation: number };

export interface SentAction {
  seq: number;
  action: Action;
  sentAtMs: number;
  ackedAtMs?: number;
  /** Room version the ack carried. */
  version?: number;
  /** For a move, drop or rotate: the pieces it moved, from actedGroup() when the ack arrived. */
  group?: number[];
  rejected?: RejectReason;
}

export interface ProtocolClientOptions {
  /** host:port or a full http(s)/ws(s) URL. */
  host: string;
  room: string;
  party?: string;
  name: string;
  create?: PuzzleOptions;
  token?: string;
  protocol?: number;
  /** Reconnect automatically (partysocket) and resume with the welcome's token. */
  reconnect?: boolean;
  /**
   * Keep every batch event in `events` (default true). Load runs turn it off: a
   * 64-client room sends millions of events a minute, and holding them all makes
   * the load generator's garbage collector stall for long enough to show up as
   * server latency.
   */
  keepEvents?: boolean;
  /** Answer the server's heartbeat pings (default true); a client that does not is closed after the deadline. */
  answerHeartbeats?: boolean;
  /** The connection id (`_pk`); partysocket picks a fresh one without it. */
  connectionId?: string;
  /** Sent as CF-Connecting-IP, the header Cloudflare sets: how tests stand for clients at different addresses. */
  address?: string;
  /** Join as a watcher (issue 11). */
  role?: Role;
  /** A private room's join password, sent with every hello (issue 14). */
  password?: string;
  /** With `create`: list the new room in the public lobby (issue 14). */
  listed?: boolean;
}

export class ProtocolClient {
  replica: Replica | null = null;
  playerId = "";
  token = "";
  mode: Mode | null = null;
  /** What the room made this connection: its welcome's role, a player once a `seated` event came. */
  role: Role | null = null;
  readonly sent = new Map<number, SentAction>();
  readonly errors: Array<{ code: ErrorCode; message: string }> = [];
  readonly events: BatchEvent[] = [];
  framesReceived = 0;
  /** Heartbeat pings the server sent. */
  heartbeats = 0;
  bytesReceived = 0;
  bytesSent = 0;
  closeEvents: Array<{ code: number; reason: string }> = [];
  /** Times (ms) at which a batch first showed another player's change, by that player's seq. */
  onBatch: ((events: BatchEvent[], receivedAtMs: number) => void) | null = null;
  private nextSeq = 1;
  private waiters: Array<() => void> = [];
  readonly socket: PartySocket;

  constructor(private readonly options: ProtocolClientOptions) {
    const { host, protocol } = hostAndProtocol(options.host);
    this.socket = new PartySocket({
      host,
      protocol,
      room: options.room,
      party: options.party ?? "main",
      WebSocket: (options.address === undefined ? WebSocket : withHeaders({ "cf-connecting-ip": options.address })) as unknown as typeof globalThis.WebSocket,
      id: options.connectionId,
      maxRetries: options.reconnect ? Number.POSITIVE_INFINITY : 0,
      startClosed: false,
    });
    this.socket.addEventListener("open", () => this.hello());
    this.socket.addEventListener("message", (event: MessageEvent) => this.receive(String(event.data)));
    this.socket.addEventListener("close", (event: CloseEvent) => {
      this.closeEvents.push({ code: event.code, reason: event.reason });
      this.notify();
    });
  }

  /** Connects and resolves once welcomed (or rejects with the room's error). */
  static async join(options: ProtocolClientOptions, timeoutMs = 20_000): Promise<ProtocolClient> {
    const client = new ProtocolClient(options);
    await client.until(() => client.replica !== null || client.errors.length > 0 || client.closeEvents.length > 0, timeoutMs);
    if (!client.replica) {
      client.close();
      const why = client.errors[0] ?? client.closeEvents[0];
      throw new Error(`could not join ${options.room}: ${JSON.stringify(why)}`);
    }
    return client;
  }

  /** Sends a numbered action; returns its record, completed when the room answers. */
  act(action: Action): SentAction {
    const record: SentAction = { seq: this.nextSeq++, action, sentAtMs: performance.now() };
    this.sent.set(record.seq, record);
    this.sendRaw(JSON.stringify({ ...action, seq: record.seq }));
    return record;
  }

  /** A host's command (issue 14): answered by the room's events, or an error. */
  host(command: HostCommand): void {
    this.sendRaw(JSON.stringify({ type: "host", command } satisfies ClientMessage));
  }

  /** A watcher asks for a player seat (a `seated` event, or a room-full error). */
  seat(): void {
    this.sendRaw(JSON.stringify({ type: "seat" } satisfies ClientMessage));
  }

  cursor(x: number, y: number): void {
    this.sendRaw(JSON.stringify({ type: "cursor", x, y } satisfies ClientMessage));
  }

  sendRaw(frame: string | ArrayBuffer): void {
    this.bytesSent += typeof frame === "string" ? Buffer.byteLength(frame) : frame.byteLength;
    this.socket.send(frame);
  }

  /** Resolves when the room answered `record` (ack or reject). */
  async answered(record: SentAction, timeoutMs = 10_000): Promise<SentAction> {
    await this.until(() => record.ackedAtMs !== undefined || record.rejected !== undefined, timeoutMs);
    return record;
  }

  /** Resolves when every action sent so far is answered. */
  async settled(timeoutMs = 20_000): Promise<void> {
    await this.until(() => [...this.sent.values()].every((record) => record.ackedAtMs !== undefined || record.rejected !== undefined), timeoutMs);
  }

  async until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for the room`);
      await new Promise<void>((resolve) => {
        // Woken by the next frame or close, or after 50 ms to re-check the deadline.
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.close();
  }

  private hello(): void {
    this.sendRaw(
      JSON.stringify({
        type: "hello",
        protocol: this.options.protocol ?? PROTOCOL_VERSION,
        name: this.options.name,
        token: this.token || this.options.token,
        create: this.options.create,
        role: this.role === "player" ? undefined : this.options.role,
        password: this.options.password,
        listed: this.options.listed,
      }),
    );
  }

  /**
   * Stamps a frame on arrival and decodes it later. One process plays many
   * clients; decoding one client's frame must not count as another's latency,
   * as it would if frames that arrived together were stamped one after the
   * other's decoding.
   */
  private receive(frame: string): void {
    inbox.push({ client: this, frame, receivedAtMs: performance.now() });
    if (inbox.length === 1) setImmediate(drainInbox);
  }

  /** Decodes one frame stamped by receive(). */
  decode(frame: string, receivedAtMs: number): void {
    this.framesReceived++;
    this.bytesReceived += Buffer.byteLength(frame);
    const parsed = parseServerFrame(frame);
    if (!parsed.ok) throw new Error(`room sent an invalid frame (${parsed.message}): ${frame.slice(0, 200)}`);
    this.handle(parsed.message, receivedAtMs);
    this.notify();
  }

  private handle(message: ServerMessage, receivedAtMs: number): void {
    switch (message.type) {
      case "welcome":
        this.replica = replicaFromSnapshot(message.snapshot);
        this.playerId = message.playerId;
        this.token = message.token;
        this.mode = message.mode;
        this.role = message.role ?? "player";
        return;
      case "batch":
        if (!this.replica) return;
        // Before the frame changes the replica: see actedGroup() for why then.
        for (const event of message.events) {
          if (event.type !== "ack") continue;
          const record = this.sent.get(event.seq);
          if (record && record.action.type !== "grab") record.group = actedGroup(this.replica.puzzle, record.action.pieceId);
        }
        applyBatch(this.replica, message);
        if (message.events.some((event) => event.type === "seated")) this.role = "player";
        for (const event of message.events) {
          if (this.options.keepEvents !== false) this.events.push(event);
          if (event.type === "ack" || event.type === "reject") {
            const record = this.sent.get(event.seq);
            if (!record) continue;
            if (event.type === "ack") {
              record.ackedAtMs = receivedAtMs;
              record.version = event.version;
            } else record.rejected = event.reason;
          }
        }
        this.onBatch?.(message.events, receivedAtMs);
        return;
      case "error":
        this.errors.push({ code: message.code, message: message.message });
        return;
      case "pong":
        return;
      case "ping":
        this.heartbeats++;
        if (this.options.answerHeartbeats !== false) this.sendRaw(JSON.stringify({ type: "pong", t: message.t } satisfies HeartbeatReply));
        return;
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Frames received by every client of this process, in arrival order, not yet decoded. */
let inbox: Array<{ client: ProtocolClient; frame: string; receivedAtMs: number }> = [];

function drainInbox(): void {
  const frames = inbox;
  inbox = [];
  for (const { client, frame, receivedAtMs } of frames) client.decode(frame, receivedAtMs);
}

/** A `ws` WebSocket class that sends `headers` with its upgrade request. */
export function withHeaders(headers: Record<string, string>): new (url: string | URL, protocols?: string | string[]) => WebSocket {
  return class extends WebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  };
}

/** Splits "host:port", "http(s)://host" or "ws(s)://host" into partysocket's host and protocol. */
export function hostAndProtocol(target: string): { host: string; protocol: "ws" | "wss" } {
  const match = /^(https?|wss?):\/\/(.+?)\/*$/.exec(target);
  if (!match) return { host: target.replace(/\/+$/, ""), protocol: "ws" };
  const scheme = match[1]!;
  return { host: match[2]!, protocol: scheme === "https" || scheme === "wss" ? "wss" : "ws" };
}
