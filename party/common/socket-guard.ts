/**
 * The boundary between the runtime's sockets and a room: what one client may
 * cost a room is decided here, before a room (or a hub) parses anything.
 *
 * - Identity per socket: each socket the runtime hands over gets a key of its
 *   own, so a second socket with the same connection id (`_pk`, chosen by the
 *   client) never inherits the first one's session, and a close is matched to
 *   the socket that closed. The newer one joins like any socket, by its hello;
 *   only the player's resume token makes it that player, and then the room
 *   closes the player's older socket (player-roster.ts).
 * - Rate limits: three token buckets per socket (actions, cursors, everything
 *   else), charged by a look at the frame's first bytes. A frame over its
 *   limit is answered (a `rate-limited` rejection for an action, an error
 *   otherwise) and dropped; a socket that keeps sending over its limit is
 *   closed as a flood (4003).
 * - Bounded memory: a hello deadline for new sockets (4005), at most so many
 *   sockets waiting to join, at most so many sockets per client address (4007),
 *   and a heartbeat: every joined socket is pinged, and one that leaves a ping
 *   unanswered too long, or has been sent more than it has shown it read, is
 *   closed (4004), its player's holds released and whatever the room held for it freed.
 *
 * Transport-free like the rooms: the party passes its runtime sockets, a clock,
 * randomness, and calls `tick()` at `nextDeadlineMs()` (a timer in the hubs, the
 * storage alarm in the stateful room, so that a hibernating room is woken for
 * its deadlines instead of being kept awake by them).
 *
 * A socket refused as it opens is closed when it sends its first frame (a
 * client says hello first thing), or at its hello deadline if it never does:
 * not while the runtime is still answering its upgrade, and not before its
 * first frame if it sends one. With hibernation on, `partykit dev` never sends
 * a close made before a socket's first frame (docs/architecture.md, Crowds).
 */
import * as v from "valibot";
import {
  CLOSE_FLOODING,
  CLOSE_HELLO_TIMEOUT,
  CLOSE_NOT_READING,
  CLOSE_TOO_MANY_SOCKETS,
  HeartbeatReplySchema,
  isActionMessage,
  parseClientFrame,
} from "../../shared/protocol.ts";
import type { GuardCounters } from "../../shared/http.ts";
import type { ConnectionLimits } from "./limits.ts";
import { TokenBucket } from "./token-bucket.ts";
import { closeReason, sendError, sendMessage, tolerantSocket, type RoomSocket } from "./socket.ts";

/** What a transport-free core takes from the sockets of its room. */
export interface SocketCore {
  connect(socket: RoomSocket): void;
  receive(socketId: string, frame: string | ArrayBuffer | ArrayBufferView): void;
  disconnect(socketId: string): void;
  /** Whether the socket's hello was admitted (its session is joining or joined). */
  hasJoined(socketId: string): boolean;
  /** The guard dropped this action for the socket's rate limit: the room rejects it as `rate-limited`. */
  refuseAction(socketId: string, seq: number): void;
}

/**
 * A socket's ping may go this share of the heartbeat interval early, with the
 * pings of a tick that is due anyway: sockets that joined at different moments
 * then share a few ticks an interval (at most 1 / PING_SLACK) instead of one
 * each. In a crowd of 1,000 each socket's own ping tick was a storage alarm and
 * a pass over every socket, a thousand times a second.
 */
export const PING_SLACK = 0.25;

export type FrameKind = "action" | "cursor" | "heartbeat-reply" | "other";

/** The `type` of a frame written the way every client of this project writes it: first. */
const TYPE_AT_START = /^\s*\{\s*"type"\s*:\s*"([a-z-]{1,16})"/;

/** A frame's `type` when it comes first (as every client of this project writes it), from the first bytes only. */
export function frameType(frame: string | ArrayBuffer | ArrayBufferView): string | undefined {
  if (typeof frame !== "string") return undefined;
  return TYPE_AT_START.exec(frame.length > 64 ? frame.slice(0, 64) : frame)?.[1];
}

/**
 * Which bucket pays for a frame, from its first bytes only. A frame whose type
 * does not come first is charged as "other", the smallest allowance; it is
 * still parsed and handled if it fits in it.
 */
export function frameKind(frame: string | ArrayBuffer | ArrayBufferView): FrameKind {
  switch (frameType(frame)) {
    case "grab":
    case "move":
    case "drop":
    case "rotate":
      return "action";
    case "cursor":
      return "cursor";
    case "pong":
      return "heartbeat-reply";
    default:
      return "other";
  }
}

interface Ping {
  t: number;
  sentAtMs: number;
  /** Bytes sent to the socket up to and including this ping. */
  sentBytes: number;
}

interface Guarded<Raw> {
  readonly raw: Raw;
  /** What the room sees: its own key, and sends that are counted. */
  readonly socket: RoomSocket;
  readonly address: string | undefined;
  readonly openedAtMs: number;
  readonly actions: TokenBucket;
  readonly cursors: TokenBucket;
  readonly other: TokenBucket;
  /** The allowance of frames over the limit before the socket counts as a flood. */
  readonly refusals: TokenBucket;
  /** Closed (by either side): nothing more is sent or received. */
  ended: boolean;
  /** Sent more than it read: nothing more is sent, and it is closed once the current send returns. */
  dropping: boolean;
  sentBytes: number;
  /** Bytes sent up to the last ping it answered: what it has shown it read. */
  readBytes: number;
  /** Pings not answered yet, oldest first. */
  pings: Ping[];
  lastPingAtMs: number;
}

export class SocketGuard<Raw extends RoomSocket> {
  private readonly sockets = new Map<Raw, Guarded<Raw>>();
  private readonly byKey = new Map<string, Guarded<Raw>>();
  /**
   * Guarded sockets that may not have joined yet, oldest first: one that joined
   * is dropped when a count finds it, so a join storm's opens do not each pass
   * over every socket. And the open sockets per client address.
   */
  private readonly unjoined = new Set<Guarded<Raw>>();
  private readonly perAddress = new Map<string, number>();
  /** Sockets refused as they opened, not closed yet: the close, and when it is made if no frame comes first. */
  private readonly refused = new Map<Raw, { code: number; reason: string; atMs: number }>();
  /** Addresses whose socket was closed for flooding, and until when their new sockets are refused. */
  private readonly penalised = new Map<string, number>();
  private keys = 0;
  readonly counters: GuardCounters = { rateLimited: 0, flooding: 0, notReading: 0, helloTimeouts: 0, tooManySockets: 0 };

  constructor(
    private readonly core: SocketCore,
    private readonly limits: ConnectionLimits,
    private readonly now: () => number,
    /** An unpredictable unsigned integer: a heartbeat's `t`, so that only a client that read the ping can answer it. */
    private readonly random: () => number,
    /**
     * Runs a task once the current one has returned: the next turn of the event
     * loop, which is also after the upgrade the runtime is answering (a
     * microtask is not: it runs before onConnect's caller answers).
     */
    private readonly defer: (task: () => void) => void = (task) => void setTimeout(task, 0),
  ) {}

  /** Open sockets (refused ones not counted). */
  get size(): number {
    return this.sockets.size;
  }

  /** Sockets refused as they opened whose close is still to be made. */
  get refusing(): number {
    return this.refused.size;
  }

  /** Open sockets that have not joined yet (each has a hello deadline to keep). */
  get waiting(): number {
    let count = 0;
    for (const guarded of this.sockets.values()) if (!this.core.hasJoined(guarded.socket.id)) count++;
    return count;
  }

  /** The runtime socket behind the room's key for it (server.ts writes its attachment there). */
  rawOf(socketId: string): Raw | undefined {
    return this.byKey.get(socketId)?.raw;
  }

  /**
   * A socket the runtime kept open while the party slept (hibernation): guarded
   * afresh (its buckets full, its heartbeat starting over) without the checks a
   * new socket passes, since it passed them when it opened. Returns the room's
   * socket for it; the party then restores its session from its attachment.
   */
  adopt(raw: Raw, address: string | undefined): RoomSocket {
    return this.guard(raw, address).socket;
  }

  /**
   * A socket the runtime accepted; `address` where the runtime shows it. One
   * refused here is never guarded nor seen by the room: it is closed when its
   * first frame comes (the frame dropped) or at its hello deadline.
   */
  open(raw: Raw, address: string | undefined): void {
    if (address !== undefined && (this.penalised.get(address) ?? 0) > this.now()) {
      this.counters.flooding++;
      return this.refuse(raw, CLOSE_FLOODING, `this address flooded the room; connect again in ${this.limits.floodPenaltyMs / 1000} s`);
    }
    if (address !== undefined && this.countAt(address) >= this.limits.maxSocketsPerAddress) {
      this.counters.tooManySockets++;
      return this.refuse(raw, CLOSE_TOO_MANY_SOCKETS, `at most ${this.limits.maxSocketsPerAddress} connections from one address may be open in this room`);
    }
    if (this.unjoined.size >= this.limits.maxConnectingSockets) {
      for (const guarded of this.unjoined) if (this.core.hasJoined(guarded.socket.id)) this.unjoined.delete(guarded);
      const oldest = this.unjoined.values().next();
      if (!oldest.done && this.unjoined.size >= this.limits.maxConnectingSockets) {
        this.counters.helloTimeouts++;
        this.end(oldest.value, CLOSE_HELLO_TIMEOUT, "too many connections were waiting to join this room; try again");
      }
    }
    this.guard(raw, address);
  }

  private guard(raw: Raw, address: string | undefined): Guarded<Raw> {
    const nowMs = this.now();
    const runtime = tolerantSocket(raw);
    const limits = this.limits;
    const guarded: Guarded<Raw> = {
      raw,
      socket: {
        id: `${raw.id}#${++this.keys}`,
        address,
        send: (frame) => this.send(guarded, runtime, frame),
        close: (code, reason) => runtime.close(code, reason),
      },
      address,
      openedAtMs: nowMs,
      actions: new TokenBucket(limits.actionBurst, limits.actionsPerS, nowMs),
      cursors: new TokenBucket(limits.cursorBurst, limits.cursorsPerS, nowMs),
      other: new TokenBucket(limits.otherFrameBurst, limits.otherFramesPerS, nowMs),
      refusals: new TokenBucket(limits.floodRefusals, limits.floodRefusals / 10, nowMs),
      ended: false,
      dropping: false,
      sentBytes: 0,
      readBytes: 0,
      pings: [],
      lastPingAtMs: Number.NEGATIVE_INFINITY,
    };
    this.sockets.set(raw, guarded);
    this.byKey.set(guarded.socket.id, guarded);
    this.unjoined.add(guarded);
    if (address !== undefined) this.perAddress.set(address, (this.perAddress.get(address) ?? 0) + 1);
    this.core.connect(guarded.socket);
    return guarded;
  }

  /** A frame from `raw`: charged to its bucket, then handed to the room, or answered and dropped. */
  receive(raw: Raw, frame: string | ArrayBuffer | ArrayBufferView): void {
    const refusal = this.refused.get(raw);
    if (refusal) {
      this.refused.delete(raw);
      return tolerantSocket(raw).close(refusal.code, closeReason(refusal.reason));
    }
    const guarded = this.sockets.get(raw);
    if (!guarded || guarded.ended) return;
    const nowMs = this.now();
    const kind = frameKind(frame);
    const bucket = kind === "action" ? guarded.actions : kind === "cursor" ? guarded.cursors : guarded.other;
    if (bucket.take(nowMs)) {
      if (kind === "heartbeat-reply") return this.heard(guarded, frame as string);
      return this.core.receive(guarded.socket.id, frame);
    }
    this.counters.rateLimited++;
    if (!guarded.refusals.take(nowMs)) {
      this.counters.flooding++;
      if (guarded.address !== undefined) this.penalise(guarded.address, nowMs);
      return this.end(guarded, CLOSE_FLOODING, `closed for flooding: over ${this.limits.floodRefusals} frames past the rate limit`);
    }
    if (kind === "action") return this.refuseAction(guarded, frame as string);
    const [what, perS] = kind === "cursor" ? ["cursor", this.limits.cursorsPerS] : ["non-action", this.limits.otherFramesPerS];
    sendError(guarded.socket, "rate-limited", `too many ${what} frames (at most ${perS} a second): this one was dropped`);
  }

  /** The runtime says `raw` closed (or failed). */
  closed(raw: Raw): void {
    this.refused.delete(raw);
    const guarded = this.sockets.get(raw);
    if (!guarded) return;
    this.forget(guarded);
    this.core.disconnect(guarded.socket.id);
  }

  /**
   * When `tick` next has something to do, or null: the earliest hello deadline
   * of a socket that has not joined and, with `heartbeat`, the earliest ping due
   * or ping timing out of a joined one. The party stops the heartbeat while its
   * room is quiet, so that nothing wakes a sleeping room but its hello deadlines.
   * O(sockets): the party asks after a tick, not per frame.
   */
  nextDeadlineMs(heartbeat: boolean): number | null {
    const { helloTimeoutMs, heartbeatIntervalMs, heartbeatTimeoutMs } = this.limits;
    const slack = heartbeatIntervalMs * PING_SLACK;
    const nowMs = this.now();
    let earliest = Number.POSITIVE_INFINITY;
    for (const refusal of this.refused.values()) earliest = Math.min(earliest, refusal.atMs);
    for (const guarded of this.sockets.values()) {
      if (guarded.ended) continue;
      if (!this.core.hasJoined(guarded.socket.id)) earliest = Math.min(earliest, guarded.openedAtMs + helloTimeoutMs);
      else if (heartbeat) {
        // Never pinged (just joined, or adopted after a wake): its first ping is due a slack after it opened.
        const nextPingMs = Math.max(nowMs, Number.isFinite(guarded.lastPingAtMs) ? guarded.lastPingAtMs + heartbeatIntervalMs : guarded.openedAtMs + slack);
        earliest = Math.min(earliest, nextPingMs, (guarded.pings[0]?.sentAtMs ?? Number.POSITIVE_INFINITY) + heartbeatTimeoutMs);
      }
    }
    return Number.isFinite(earliest) ? earliest : null;
  }

  /** Hello deadlines and heartbeats; the party calls it at `nextDeadlineMs()` (a little late is fine). */
  tick(): void {
    const nowMs = this.now();
    const { helloTimeoutMs, heartbeatIntervalMs, heartbeatTimeoutMs } = this.limits;
    for (const [raw, refusal] of [...this.refused]) {
      if (refusal.atMs > nowMs) continue;
      this.refused.delete(raw);
      tolerantSocket(raw).close(refusal.code, closeReason(refusal.reason));
    }
    for (const guarded of [...this.sockets.values()]) {
      if (guarded.ended) continue;
      if (!this.core.hasJoined(guarded.socket.id)) {
        if (nowMs - guarded.openedAtMs >= helloTimeoutMs) {
          this.counters.helloTimeouts++;
          this.end(guarded, CLOSE_HELLO_TIMEOUT, `no hello within ${helloTimeoutMs / 1000} s`);
        }
        continue;
      }
      const oldest = guarded.pings[0];
      if (oldest && nowMs - oldest.sentAtMs >= heartbeatTimeoutMs) {
        this.counters.notReading++;
        this.end(guarded, CLOSE_NOT_READING, `no answer to the server's ping within ${heartbeatTimeoutMs / 1000} s`);
        continue;
      }
      // Due within the slack: pinged now, with the others this tick pings.
      if (nowMs - guarded.lastPingAtMs >= heartbeatIntervalMs * (1 - PING_SLACK)) {
        const t = this.random();
        guarded.lastPingAtMs = nowMs;
        sendMessage(guarded.socket, { type: "ping", t });
        guarded.pings.push({ t, sentAtMs: nowMs, sentBytes: guarded.sentBytes });
      }
    }
  }

  /** Every frame to a socket goes through here: counted, and refused past what the socket has shown it read. */
  private send(guarded: Guarded<Raw>, runtime: RoomSocket, frame: string): void {
    if (guarded.ended || guarded.dropping) return;
    // Characters, not UTF-8 bytes: the frames are JSON, nearly all ASCII.
    guarded.sentBytes += frame.length;
    const unread = guarded.sentBytes - guarded.readBytes;
    if (unread > this.limits.maxUnreadBytes) {
      // Not closed here: this send may be one of a room's frame loop, which must not see its sessions change under it.
      guarded.dropping = true;
      this.counters.notReading++;
      this.defer(() => this.end(guarded, CLOSE_NOT_READING, `closed: ${unread} bytes were sent that this connection has not read`));
      return;
    }
    runtime.send(frame);
  }

  /** An answer to a heartbeat: everything sent up to that ping was read. */
  private heard(guarded: Guarded<Raw>, frame: string): void {
    let body: unknown;
    try {
      body = JSON.parse(frame);
    } catch {
      return sendError(guarded.socket, "bad-json", "frame is not valid JSON");
    }
    const reply = v.safeParse(HeartbeatReplySchema, body);
    if (!reply.success) return sendError(guarded.socket, "bad-message", 'a pong answers the server\'s ping with its t: {"type":"pong","t":<the ping\'s t>}');
    const index = guarded.pings.findIndex((ping) => ping.t === reply.output.t);
    // An answer to no ping of ours (or one already answered) proves nothing.
    if (index < 0) return;
    guarded.readBytes = guarded.pings[index]!.sentBytes;
    guarded.pings.splice(0, index + 1);
  }

  private refuseAction(guarded: Guarded<Raw>, frame: string): void {
    const parsed = parseClientFrame(frame);
    if (!parsed.ok) return sendError(guarded.socket, parsed.code, parsed.message);
    const message = parsed.message;
    if (isActionMessage(message)) return this.core.refuseAction(guarded.socket.id, message.seq);
    sendError(guarded.socket, "rate-limited", `too many action frames (at most ${this.limits.actionsPerS} a second): this one was dropped`);
  }

  /**
   * A socket refused as it opened: closed at its first frame or its hello
   * deadline. Past MAX_CONNECTING_SOCKETS of them (a storm of refused sockets),
   * closed on the next turn instead, after its upgrade has been answered.
   */
  private refuse(raw: Raw, code: number, reason: string): void {
    if (this.refused.size >= this.limits.maxConnectingSockets) return this.defer(() => tolerantSocket(raw).close(code, closeReason(reason)));
    this.refused.set(raw, { code, reason, atMs: this.now() + this.limits.helloTimeoutMs });
  }

  /** Closes a socket from this side: the room forgets it at once, whether or not the runtime reports the close. */
  private end(guarded: Guarded<Raw>, code: number, reason: string): void {
    if (guarded.ended) return;
    this.forget(guarded);
    guarded.socket.close(code, closeReason(reason));
    this.core.disconnect(guarded.socket.id);
  }

  private forget(guarded: Guarded<Raw>): void {
    guarded.ended = true;
    guarded.pings = [];
    this.sockets.delete(guarded.raw);
    this.byKey.delete(guarded.socket.id);
    this.unjoined.delete(guarded);
    const address = guarded.address;
    if (address === undefined) return;
    const left = (this.perAddress.get(address) ?? 1) - 1;
    if (left > 0) this.perAddress.set(address, left);
    else this.perAddress.delete(address);
  }

  private penalise(address: string, nowMs: number): void {
    // Forget penalties that are over, so the map holds recent flooders only.
    for (const [other, untilMs] of this.penalised) if (untilMs <= nowMs) this.penalised.delete(other);
    this.penalised.set(address, nowMs + this.limits.floodPenaltyMs);
  }

  private countAt(address: string): number {
    return this.perAddress.get(address) ?? 0;
  }
}
