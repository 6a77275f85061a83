/**
 * Where the stateful room's CPU goes, without the runtime: drives RoomCore
 * in-process on a simulated clock with the benchmark's workload (every client
 * dragging its own held piece) and times receiving actions apart from flushing
 * frames. Comparing this with workerd's CPU per action in bench:room separates
 * the room's own logic from socket and runtime costs.
 */
import { RoomCore, type RoomHost, type RoomSocket } from "../../party/room/room-core.ts";
import type { RoomHostStorage } from "../../party/room/room-storage.ts";
import { MemoryStorage } from "../../testkit/memory-storage.ts";
import { PROTOCOL_VERSION, type BatchEvent } from "../../shared/protocol.ts";
import { distribution, type Distribution } from "../../testkit/stats.ts";
import { FanOutTracker } from "./fan-out.ts";

export interface RoomCoreCost {
  actions: number;
  frames: number;
  bytesOut: number;
  /** Counted, not timed (the same on any machine): frames and bytes sent per action, frames per client per second. */
  framesPerAction: number;
  bytesPerAction: number;
  framesPerClientPerS: number;
  /** Frames that carried an ack: the rest carried only news. */
  ackFrames: number;
  /** Flushes the room asked for and ran, and the storage writes they made, per second of play. */
  flushesPerS: number;
  putsPerS: number;
  /** Wall time in RoomCore.receive (parse, rules, bookkeeping) per action, us. */
  receiveUsPerAction: number;
  /** Wall time in RoomCore.flush (persist, serialize, send) per action, us, less the storage's own time below. */
  flushUsPerAction: number;
  /** Same, per frame sent. */
  flushUsPerFrame: number;
  /** Wall time inside the in-memory storage's puts per action, us: it serializes every value, as the runtime's storage does. */
  storageUsPerAction: number;
  /** Whole-process CPU per action over the run (includes the fake sockets and storage). */
  cpuUsPerAction: number;
}

/** How an ack looks in a frame (shared/frames.ts ackEvent). */
const ACK_MARK = '{"type":"ack"';

/** What a latency pass sees of the workload: every move as it arrives, every frame as it leaves. */
interface WorkloadWatch {
  moved(sender: number, seq: number, pieceId: number, x: number, y: number, atMs: number): void;
  sent(receiver: number, frame: string, atMs: number): void;
}

/** The pacing's own latencies on the simulated clock (1 ms steps), with no runtime, network or client in them. */
export interface PacingLatency {
  /** From a move's arrival at the room until the last other client's frame showing it leaves. */
  fanOutMs: Distribution;
  /** From a move's arrival until the frame with its ack leaves. */
  ackMs: Distribution;
}

/**
 * The workload of measureRoomCore, run again untimed to read each frame: how
 * long the pacing itself holds a move before everyone has been sent it.
 */
export function measurePacingLatency(clients: number, rateHz: number, seconds: number, pieces = 100): PacingLatency {
  const tracker = new FanOutTracker();
  const names = Array.from({ length: clients }, (_, index) => `c${index}`);
  const arrivals = new Map<number, number>();
  const acks: number[] = [];
  measureRoomCore(clients, rateHz, seconds, pieces, {
    moved: (sender, seq, pieceId, x, y, atMs) => {
      arrivals.set(seq, atMs);
      tracker.sent(pieceId, x, y, atMs, names[sender]!, names);
    },
    sent: (receiver, frame, atMs) => {
      const message = JSON.parse(frame) as { type: string; events?: BatchEvent[] };
      for (const event of message.events ?? []) {
        if (event.type === "ack") {
          const arrived = arrivals.get(event.seq);
          if (arrived !== undefined) acks.push(atMs - arrived);
        } else if (event.type === "pieces") {
          for (const [id, x, y] of event.pieces) tracker.observed(names[receiver]!, id, x, y, atMs);
        }
      }
    },
  });
  return { fanOutMs: distribution(tracker.latenciesMs), ackMs: distribution(acks) };
}

export function measureRoomCore(clients: number, rateHz: number, seconds: number, pieces = 100, watch?: WorkloadWatch): RoomCoreCost {
  let nowMs = 0;
  let flushDueMs: number | null = null;
  let frames = 0;
  let bytesOut = 0;
  let ackFrames = 0;
  let flushes = 0;
  let puts = 0;
  let nextId = 0;
  // Timed apart from the room: what the runtime's storage spends is not the room's logic.
  const memory = new MemoryStorage();
  let storageMs = 0;
  const storage: RoomHostStorage = {
    get: (keys) => memory.get(keys),
    delete: (keys) => memory.delete(keys),
    put: (entries) => {
      const started = performance.now();
      const written = memory.put(entries);
      storageMs += performance.now() - started;
      puts++;
      return written;
    },
  };
  const host: RoomHost = {
    storage,
    now: () => nowMs,
    randomId: () => `id-${nextId++}-${"x".repeat(24)}`,
    requestFlush: (delayMs) => {
      const due = nowMs + delayMs;
      if (flushDueMs === null || due < flushDueMs) flushDueMs = due;
    },
  };
  const room = new RoomCore(host, { mode: "stateful", maxPlayers: Math.max(64, clients) });
  const sockets: RoomSocket[] = Array.from({ length: clients }, (_, index) => ({
    id: `s${index}`,
    send: (frame: string) => {
      watch?.sent(index, frame, nowMs);
      frames++;
      bytesOut += frame.length;
      if (frame.includes(ACK_MARK)) ackFrames++;
    },
    close: () => {},
  }));
  const create = { imageId: "load", imageWidth: 1600, imageHeight: 1200, pieceCount: pieces, seed: 1 };
  for (const socket of sockets) {
    room.connect(socket);
    room.receive(socket.id, JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION, name: socket.id, create }));
  }
  let seq = 1;
  sockets.forEach((socket, index) => room.receive(socket.id, JSON.stringify({ type: "grab", seq: seq++, pieceId: index })));
  room.flush();
  frames = 0;
  bytesOut = 0;
  ackFrames = 0;
  puts = 0;
  storageMs = 0;

  const intervalMs = 1000 / rateHz;
  const offsets = sockets.map((_, index) => (index * intervalMs) / clients);
  let receiveMs = 0;
  let flushMs = 0;
  let actions = 0;
  const cpuStart = process.cpuUsage();
  for (nowMs = 1; nowMs <= seconds * 1000; nowMs++) {
    for (let index = 0; index < sockets.length; index++) {
      const step = Math.floor((nowMs - offsets[index]!) / intervalMs);
      if (step < 0 || Math.floor((nowMs - 1 - offsets[index]!) / intervalMs) === step) continue;
      const angle = (2 * Math.PI * step) / 60;
      const [x, y] = [Math.round(400 + 60 * Math.cos(angle) + index), Math.round(400 + 60 * Math.sin(angle))];
      watch?.moved(index, seq, index, x, y, nowMs);
      const frame = JSON.stringify({ type: "move", seq: seq++, pieceId: index, x, y });
      const started = performance.now();
      room.receive(sockets[index]!.id, frame);
      receiveMs += performance.now() - started;
      actions++;
    }
    if (flushDueMs !== null && flushDueMs <= nowMs) {
      flushDueMs = null;
      const started = performance.now();
      const storageBefore = storageMs;
      room.flush();
      flushMs += performance.now() - started - (storageMs - storageBefore);
      flushes++;
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  return {
    actions,
    frames,
    bytesOut,
    framesPerAction: frames / actions,
    bytesPerAction: bytesOut / actions,
    framesPerClientPerS: frames / clients / seconds,
    ackFrames,
    flushesPerS: flushes / seconds,
    putsPerS: puts / seconds,
    receiveUsPerAction: (receiveMs * 1000) / actions,
    flushUsPerAction: (flushMs * 1000) / actions,
    flushUsPerFrame: (flushMs * 1000) / Math.max(1, frames),
    storageUsPerAction: (storageMs * 1000) / actions,
    cpuUsPerAction: (cpu.user + cpu.system) / actions,
  };
}
