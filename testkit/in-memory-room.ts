/**
 * An in-process harness for RoomCore: memory storage, sockets that record what
 * they receive, and a host whose clock and flush timer the test moves by hand
 * (no real timers). Every storage write and every send goes into one ordered
 * log so tests can check what happened before what.
 */
import { RoomCore, type RoomHost, type RoomSocket } from "../party/room/room-core.ts";
import { DEFAULT_MAX_PLAYERS } from "../party/common/settings.ts";
import { MemoryStorage, type PutLogEntry } from "./memory-storage.ts";
import { applyBatch, replicaFromSnapshot, type Replica } from "../shared/replica.ts";
import { PROTOCOL_VERSION, parseServerFrame, type ClientMessage, type Mode, type PuzzleAction, type ServerMessage, type Snapshot } from "../shared/protocol.ts";
import type { PuzzleOptions } from "../shared/puzzle-spec.ts";
import { createPrng, type Prng } from "../shared/prng.ts";

export type LogEntry =
  | PutLogEntry
  | { kind: "send"; socketId: string; message: ServerMessage }
  | { kind: "receive"; socketId: string; frame: string };

export class FakeSocket implements RoomSocket {
  readonly received: ServerMessage[] = [];
  /** The room's clock at each received message. */
  readonly receivedAtMs: number[] = [];
  closed: { code: number; reason: string } | null = null;
  sentAfterClose = 0;

  constructor(
    readonly id: string,
    private readonly log: LogEntry[],
    private readonly now: () => number,
  ) {}

  send(frame: string): void {
    if (this.closed) {
      this.sentAfterClose++;
      return;
    }
    const parsed = parseServerFrame(frame);
    if (!parsed.ok) throw new Error(`room sent a frame its own schema refuses (${parsed.message}): ${frame.slice(0, 200)}`);
    this.received.push(parsed.message);
    this.receivedAtMs.push(this.now());
    this.log.push({ kind: "send", socketId: this.id, message: parsed.message });
  }

  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }
}

/** A client as the room sees it, with a replica fed only by what it received. */
export class FakeClient {
  replica: Replica | null = null;
  playerId: string | null = null;
  token: string | null = null;
  private applied = 0;
  private nextSeq = 1;

  constructor(
    readonly room: InMemoryRoom,
    readonly socket: FakeSocket,
  ) {}

  sendRaw(frame: string | ArrayBuffer | ArrayBufferView): void {
    if (typeof frame === "string") this.room.log.push({ kind: "receive", socketId: this.socket.id, frame });
    this.room.core.receive(this.socket.id, frame);
  }

  send(message: ClientMessage | Record<string, unknown>): void {
    this.sendRaw(JSON.stringify(message));
  }

  hello(name: string, extra: { create?: PuzzleOptions; token?: string; protocol?: number } = {}): void {
    this.send({ type: "hello", protocol: extra.protocol ?? PROTOCOL_VERSION, name, ...extra });
    this.sync();
  }

  /** Sends an action with the next sequence number; returns that number. */
  act(action: PuzzleAction): number {
    const seq = this.nextSeq++;
    this.send({ ...action, seq });
    return seq;
  }

  /** Applies every frame received since the last call to the replica. */
  sync(): void {
    for (; this.applied < this.socket.received.length; this.applied++) {
      const message = this.socket.received[this.applied]!;
      switch (message.type) {
        case "welcome":
          this.replica = replicaFromSnapshot(message.snapshot);
          this.playerId = message.playerId;
          this.token = message.token;
          break;
        case "batch":
          if (this.replica) applyBatch(this.replica, message);
          break;
        case "error":
        case "pong":
        case "ping":
          break;
        default: {
          const unreachable: never = message;
          throw new Error(`unexpected ${String(unreachable)}`);
        }
      }
    }
  }

  /** Messages received since index `from`. */
  since(from: number): ServerMessage[] {
    return this.socket.received.slice(from);
  }

  get count(): number {
    return this.socket.received.length;
  }

  disconnect(): void {
    this.room.core.disconnect(this.socket.id);
  }
}

export interface InMemoryRoomOptions {
  storage?: MemoryStorage<LogEntry>;
  maxPlayers?: number;
  mode?: Mode;
  seed?: number;
  startMs?: number;
  /** The host's word on a new puzzle (quotas, budget); every creation goes ahead without it. */
  admitPuzzle?: RoomHost["admitPuzzle"];
}

export class InMemoryRoom {
  readonly log: LogEntry[];
  readonly storage: MemoryStorage<LogEntry>;
  readonly core: RoomCore;
  nowMs: number;
  /** When the room last asked to be flushed, as an absolute time; null when not asked. */
  flushDueMs: number | null = null;
  flushRequests = 0;
  /** The room's snapshot at the last flush: everything acknowledged so far. */
  flushedSnapshot: Snapshot | null = null;
  private socketCounter = 0;
  private idCounter = 0;
  private readonly prng: Prng;

  constructor(options: InMemoryRoomOptions = {}) {
    this.storage = options.storage ?? new MemoryStorage<LogEntry>();
    // One log for storage and sockets, so puts and sends interleave in order.
    this.log = this.storage.log;
    this.nowMs = options.startMs ?? 1_700_000_000_000;
    this.prng = createPrng(options.seed ?? 1);
    const host: RoomHost = {
      storage: this.storage,
      now: () => this.nowMs,
      requestFlush: (delayMs) => {
        if (!(delayMs >= 0)) throw new Error(`requestFlush(${delayMs})`);
        this.flushRequests++;
        // Like a timer that a newer request replaces.
        this.flushDueMs = this.nowMs + delayMs;
      },
      randomId: () => {
        this.idCounter++;
        const noise = Math.floor(this.prng() * 0xffffffff).toString(16).padStart(8, "0");
        return `${this.idCounter.toString(36).padStart(4, "0")}${noise}-${Math.floor(this.prng() * 0xffffffff).toString(16)}`;
      },
      admitPuzzle: options.admitPuzzle,
    };
    this.core = new RoomCore(host, { mode: options.mode ?? "stateful", maxPlayers: options.maxPlayers ?? DEFAULT_MAX_PLAYERS });
  }

  connect(): FakeClient {
    const socket = new FakeSocket(`conn-${++this.socketCounter}`, this.log, () => this.nowMs);
    this.core.connect(socket);
    return new FakeClient(this, socket);
  }

  /** Moves the clock; runs the flush the room asked for if it fell due. */
  advance(ms: number): void {
    this.nowMs += ms;
    this.runDueFlush();
  }

  runDueFlush(): void {
    if (this.flushDueMs !== null && this.flushDueMs <= this.nowMs) {
      this.flushDueMs = null;
      this.flush();
    }
  }

  /** Flushes now, as a host timer may, and remembers what the room had then. */
  flush(): void {
    this.core.flush();
    this.flushedSnapshot = this.core.snapshot();
  }

  /** Lets time pass until no flush is pending (or `maxMs` has passed). */
  settle(maxMs = 1_000): void {
    const end = this.nowMs + maxMs;
    while (this.flushDueMs !== null && this.flushDueMs <= end) {
      this.nowMs = Math.max(this.nowMs, this.flushDueMs);
      this.runDueFlush();
    }
  }
}
