/**
 * The load engine behind `load`, `compare` and `bench:room`: puts simulated
 * players in rooms of one mode, plays, waits for the answers, reads the final
 * state from the server and measures what went wrong and what it cost.
 */
import { MODES, PARTY_FOR_MODE, type BatchEvent, type Mode, type Snapshot } from "../../shared/protocol.ts";
import { createPrng } from "../../shared/prng.ts";
import type { PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { cpuDelta, type ProcessCpu } from "./process-cpu.ts";
import { FanOutTracker } from "./fan-out.ts";
import { judgeRun, wireMark, type ActionCounts, type LostPiece, type WireMark } from "../../testkit/judge.ts";
import { ProtocolClient, type SentAction } from "../../testkit/protocol-client.ts";
import { fetchRoomEvidence, fetchRoomState } from "../../testkit/room-http.ts";
import { BEHIND_BUCKETS, type OverwriteEvidence, type StoreEvidence, type TracedWrite } from "../../shared/http.ts";
import { isAnswered, PlayTime, type ScriptedPlayer } from "../../testkit/scripted/play.ts";
import { solve } from "../../testkit/scripted/solve.ts";
import { drag } from "../../testkit/scripted/drag.ts";
import { awayFromBoard } from "../../testkit/scripted/choices.ts";
import { distribution, histogram, type Distribution, type Histogram } from "../../testkit/stats.ts";
import type { ServerTarget } from "./server-target.ts";
import type { LoadConfig } from "./load-config.ts";
import type { RoomSummary } from "../../shared/http.ts";

/** Rooms set up at once; more would only queue behind the same two cores. */
const ROOM_SETUP_CONCURRENCY = 8;
const CONTESTED_PIECES_PER_ROOM = 3;
const MAX_LOST_EXAMPLES = 5;
/** After the last answer, how long the room must stay quiet before the final state is read. */
const QUIET_MS = 500;
const QUIET_MAX_WAIT_MS = 10_000;
const PUZZLE_IMAGE = { imageId: "load", imageWidth: 1600, imageHeight: 1200 } as const;
/** `solve` drags last 0.4-1.5 s; 8% of drops go to the piece's place on the board. */
const SOLVE_DRAG_S = { minS: 0.4, maxS: 1.5 };
const SOLVE_PLACE_PROBABILITY = 0.08;

export interface LoadProgress {
  mode: Mode;
  elapsedS: number;
  durationS: number;
  sent: number;
  acked: number;
  /** Actions acknowledged per second over the last progress interval. */
  currentRate: number;
}

/** What the server's GET summary reported, summed over the run's rooms (numeric fields only). */
export type ServerCounters = Record<string, number>;

export interface ModeFigures {
  mode: Mode | "total";
  rooms: number;
  clients: number;
  /** Seconds of play (players' actions were sent during this window). */
  playS: number;
  actions: { sent: number; acknowledged: number; rejected: number; unanswered: number; byType: ActionCounts };
  rejectReasons: Record<string, number>;
  acknowledgedPerS: number;
  /** `examples`: a few lost pieces (room, expected and found position) to look into. */
  lostMoves: { lost: number; judgedPieces: number; lostPerJudged: number; examples: LostPiece[] };
  desync: { clients: number; piecesPerClientMean: number; piecesPerClientMax: number; clientsDesynced: number };
  ackLatencyMs: Distribution;
  ackLatencyHistogram: Histogram;
  fanOutLatencyMs: Distribution;
  fanOutIncomplete: number;
  perClientPerS: { outgoingFrames: number; outgoingBytes: number };
  wire: { bytesUpPerAction: number; bytesDownPerAction: number; bytesPerAction: number };
  /** Store traffic per acknowledged action (stateless modes), from the server's counters. */
  store: { bytesReadPerAction: number; bytesWrittenPerAction: number } | null;
  coldStarts: number | null;
  retries: number | null;
  conflicts: number | null;
  /** workerd's CPU time (the rooms' runtime); `toolingMs` is partykit dev's own node and esbuild. */
  serverCpu: { totalMs: number; perActionUs: number; toolingMs: number; byProcess: Record<string, number>; serverRestarted: boolean } | null;
  server: ServerCounters;
  /**
   * The stateless store's trace (evidence.ts): every overwrite counted by how
   * many revisions behind it was, the share of stored writes that were stale,
   * and one overwrite that erased an acknowledged move the judgement found lost.
   */
  race: { revisionsBehind: number[]; staleShare: number; example: { overwrite: OverwriteEvidence; erased: TracedWrite } | null } | null;
  /** CPU the load generator itself used during play: it shares the cores with a local server. */
  loadGeneratorCpuMsPerS: number;
}

interface RoomRun {
  name: string;
  clients: ProtocolClient[];
  /** The clients' player ids, fixed once everyone has joined. */
  playerIds: string[];
  tracker: FanOutTracker;
}

interface Counters {
  sent: number;
  acked: number;
}

/** Runs one mode against `target` and measures it. */
export async function runMode(mode: Mode, config: LoadConfig, target: ServerTarget, onProgress?: (progress: LoadProgress) => void): Promise<ModeRun> {
  const party = PARTY_FOR_MODE[mode];
  const runId = `load-${config.seed}-${Date.now().toString(36)}-${MODES.indexOf(mode)}`;
  const rooms = await setUpRooms(config, target, party, runId);
  const counters: Counters = { sent: 0, acked: 0 };
  const clients = rooms.flatMap((room) => room.clients);
  for (const room of rooms) watchRoom(room, counters);
  try {
    const wireStart = rooms.map((room) => room.clients.map(wireMark));
    const framesStart = clients.map((client) => client.framesReceived);
    const cpuBefore = target.readCpu();
    const generatorCpuBefore = process.cpuUsage();
    const startMs = performance.now();
    const until = new PlayTime(startMs + config.durationS * 1000);
    const stopProgress = reportProgress(mode, config, counters, startMs, onProgress);
    const players = rooms.flatMap((room, roomIndex) => {
      const hotPrng = createPrng(config.seed * 7919 + roomIndex);
      const pieceCount = room.clients[0]!.replica!.puzzle.pieces.length;
      const hotPieces = Array.from({ length: CONTESTED_PIECES_PER_ROOM }, () => Math.floor(hotPrng() * pieceCount));
      return room.clients.map((client, playerIndex) => {
        const player: ScriptedPlayer = { client, until, onSent: (record) => onSent(room, client, record, counters) };
        const prng = createPrng(config.seed * 1_000_003 + roomIndex * 1_009 + playerIndex);
        if (config.behaviour === "drag") return drag(player, { prng, rateHz: config.rateHz, pieceId: playerIndex, startOffset: playerIndex / room.clients.length });
        return solve(player, {
          prng,
          rateHz: config.rateHz,
          thinkMs: { min: config.thinkMinMs, max: config.thinkMaxMs },
          moves: SOLVE_DRAG_S,
          pick: { alone: true, hot: { pieces: hotPieces, probability: config.contention } },
          destination: awayFromBoard(SOLVE_PLACE_PROBABILITY),
          awaitGrab: true,
          cursor: false,
        });
      });
    });
    await Promise.all(players);
    const playS = (performance.now() - startMs) / 1000;
    const generatorCpu = process.cpuUsage(generatorCpuBefore);
    const framesAtEnd = clients.map((client) => client.framesReceived);
    const bytesDownAtEnd = clients.map((client) => client.bytesReceived);
    stopProgress();
    await settle(clients, config.settleMs);
    await quiet(clients);
    const cpuAfter = target.readCpu();
    const finals = await Promise.all(rooms.map((room) => readRoom(target, party, room.name)));
    const evidence = mode === "stateful" ? null : await Promise.all(rooms.map((room) => fetchRoomEvidence(target.httpBase, party, room.name)));
    return measure(mode, rooms, finals, evidence, { playS, wireStart, framesStart, framesAtEnd, bytesDownAtEnd, cpuBefore, cpuAfter, generatorCpuMs: (generatorCpu.user + generatorCpu.system) / 1000 });
  } finally {
    for (const client of clients) client.close();
  }
}

async function setUpRooms(config: LoadConfig, target: ServerTarget, party: string, runId: string): Promise<RoomRun[]> {
  const rooms: RoomRun[] = [];
  const queue = Array.from({ length: config.rooms }, (_, index) => index);
  const worker = async (): Promise<void> => {
    for (let index = queue.shift(); index !== undefined; index = queue.shift()) {
      const name = `${runId}-r${index}`;
      const create: PuzzleOptions = { ...PUZZLE_IMAGE, pieceCount: config.pieces, seed: (config.seed + index) >>> 0, rotation: config.rotation };
      const join = (player: number) => ProtocolClient.join({ host: target.host, room: name, party, name: `p${player}`, create, keepEvents: false });
      const first = await join(0);
      const others = await Promise.all(Array.from({ length: config.players - 1 }, (_, player) => join(player + 1)));
      const clients = [first, ...others];
      rooms[index] = { name, clients, playerIds: clients.map((client) => client.playerId), tracker: new FanOutTracker() };
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(ROOM_SETUP_CONCURRENCY, config.rooms) }, worker));
  } catch (error) {
    for (const room of rooms) for (const client of room?.clients ?? []) client.close();
    throw error;
  }
  return rooms;
}

function watchRoom(room: RoomRun, counters: Counters): void {
  for (const client of room.clients) {
    client.onBatch = (events: BatchEvent[], receivedAtMs: number) => {
      for (const event of events) {
        if (event.type === "ack") counters.acked++;
        else if (event.type === "pieces") {
          for (const [pieceId, x, y] of event.pieces) room.tracker.observed(client.playerId, pieceId, x, y, receivedAtMs);
        }
      }
    };
  }
}

function onSent(room: RoomRun, sender: ProtocolClient, record: SentAction, counters: Counters): void {
  counters.sent++;
  if (record.action.type !== "move") return;
  room.tracker.sent(record.action.pieceId, record.action.x, record.action.y, record.sentAtMs, sender.playerId, room.playerIds);
}

function reportProgress(mode: Mode, config: LoadConfig, counters: Counters, startMs: number, onProgress?: (progress: LoadProgress) => void): () => void {
  if (!onProgress) return () => {};
  let last = { atMs: startMs, acked: 0 };
  const timer = setInterval(() => {
    const now = performance.now();
    const currentRate = ((counters.acked - last.acked) * 1000) / Math.max(1, now - last.atMs);
    last = { atMs: now, acked: counters.acked };
    onProgress({ mode, elapsedS: Math.min(config.durationS, (now - startMs) / 1000), durationS: config.durationS, sent: counters.sent, acked: counters.acked, currentRate });
  }, 500);
  return () => clearInterval(timer);
}

/** Waits until every action has an answer, or `timeoutMs`. */
async function settle(clients: ProtocolClient[], timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (clients.every((client) => [...client.sent.values()].every(isAnswered))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until no client has received a frame for QUIET_MS (late pushes of the stateless hub). */
async function quiet(clients: ProtocolClient[]): Promise<void> {
  const deadline = performance.now() + QUIET_MAX_WAIT_MS;
  let frames = -1;
  while (performance.now() < deadline) {
    const now = clients.reduce((total, client) => total + client.framesReceived, 0);
    if (now === frames) return;
    frames = now;
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
  }
}

interface RoomFinal {
  summary: RoomSummary;
  snapshot: Snapshot;
}

async function readRoom(target: ServerTarget, party: string, room: string): Promise<RoomFinal> {
  const { snapshot, ...summary } = await fetchRoomState(target.httpBase, party, room);
  return { summary, snapshot };
}

interface Window {
  playS: number;
  /** Per room and client, the wire counters when play began. */
  wireStart: WireMark[][];
  framesStart: number[];
  framesAtEnd: number[];
  bytesDownAtEnd: number[];
  cpuBefore: ProcessCpu[] | null;
  cpuAfter: ProcessCpu[] | null;
  generatorCpuMs: number;
}

/** A run's figures and the samples behind them (so several runs can be added into a total). */
export interface ModeRun {
  figures: ModeFigures;
  ackSamples: number[];
  fanOutSamples: number[];
  desyncPerClient: number[];
}

function measure(mode: Mode, rooms: RoomRun[], finals: RoomFinal[], evidence: StoreEvidence[] | null, window: Window): ModeRun {
  const clients = rooms.flatMap((room) => room.clients);
  const judgement = judgeRun(
    mode,
    rooms.map((room, index) => ({ name: room.name, clients: room.clients, final: finals[index]!.snapshot, wireFrom: window.wireStart[index] })),
  );
  const { actions, lostMoves, desyncPerClient, ackSamplesMs: ackSamples } = judgement;
  const { acknowledged } = actions;

  const server: ServerCounters = {};
  for (const final of finals) addCounters(server, final.summary, "");

  const fanOutSamples = rooms.flatMap((room) => room.tracker.latenciesMs);
  const { bytesUp, bytesDown } = judgement.wire;
  const downStart = window.wireStart.flat().map((mark) => mark.down);
  const framesInPlay = window.framesAtEnd.reduce((total, frames, index) => total + frames - window.framesStart[index]!, 0);
  const bytesInPlay = window.bytesDownAtEnd.reduce((total, bytes, index) => total + bytes - downStart[index]!, 0);
  const perAction = (value: number) => (acknowledged > 0 ? value / acknowledged : Number.NaN);
  const storeRead = server[`${FUNCTIONS}.storeBytesRead`];
  const storeWritten = server[`${FUNCTIONS}.storeBytesWritten`];
  let serverCpu: ModeFigures["serverCpu"] = null;
  if (window.cpuBefore && window.cpuAfter) {
    const delta = cpuDelta(window.cpuBefore, window.cpuAfter);
    serverCpu = { totalMs: delta.serverMs, perActionUs: perAction(delta.serverMs * 1000), toolingMs: delta.toolingMs, byProcess: delta.byCommand, serverRestarted: delta.serverRestarted };
  }
  const figures: ModeFigures = {
    mode,
    rooms: rooms.length,
    clients: clients.length,
    playS: window.playS,
    actions,
    rejectReasons: judgement.rejectReasons,
    acknowledgedPerS: acknowledged / window.playS,
    lostMoves: { lost: lostMoves.lost, judgedPieces: lostMoves.judged, lostPerJudged: lostMoves.judged ? lostMoves.lost / lostMoves.judged : 0, examples: lostMoves.lostPieces.slice(0, MAX_LOST_EXAMPLES) },
    desync: summarizeDesync(desyncPerClient),
    ackLatencyMs: judgement.ackLatencyMs,
    ackLatencyHistogram: histogram(ackSamples),
    fanOutLatencyMs: distribution(fanOutSamples),
    fanOutIncomplete: rooms.reduce((total, room) => total + room.tracker.incomplete(), 0),
    perClientPerS: { outgoingFrames: framesInPlay / clients.length / window.playS, outgoingBytes: bytesInPlay / clients.length / window.playS },
    wire: { bytesUpPerAction: perAction(bytesUp), bytesDownPerAction: perAction(bytesDown), bytesPerAction: perAction(bytesUp + bytesDown) },
    store: storeRead !== undefined || storeWritten !== undefined ? { bytesReadPerAction: perAction(storeRead ?? 0), bytesWrittenPerAction: perAction(storeWritten ?? 0) } : null,
    coldStarts: server[`${FUNCTIONS}.coldStarts`] ?? null,
    retries: server[`${FUNCTIONS}.retries`] ?? null,
    conflicts: server[`${FUNCTIONS}.conflicts`] ?? null,
    serverCpu,
    server,
    race: evidence ? raceOf(evidence, rooms, lostMoves.lostPieces, server) : null,
    loadGeneratorCpuMsPerS: window.generatorCpuMs / window.playS,
  };
  return { figures, ackSamples, fanOutSamples, desyncPerClient };
}

/**
 * The run's race from the stores' traces: the histogram over every room, the
 * stale share, and an overwrite that erased a write of a piece the judgement
 * found lost, by the client it names (else any overwrite that erased a drop).
 */
function raceOf(evidence: StoreEvidence[], rooms: RoomRun[], lostPieces: readonly LostPiece[], server: ServerCounters): NonNullable<ModeFigures["race"]> {
  const revisionsBehind = new Array<number>(BEHIND_BUCKETS).fill(0);
  for (const room of evidence) room.revisionsBehind.forEach((count, index) => (revisionsBehind[index]! += count));
  const writes = server["backend.store.writes"] ?? 0;
  let example: { overwrite: OverwriteEvidence; erased: TracedWrite } | null = null;
  for (const lost of lostPieces) {
    const overwrites = evidence[rooms.findIndex((room) => room.name === lost.room)]?.overwrites ?? [];
    for (const overwrite of overwrites) {
      const erased = overwrite.erased.find((write) => write.trace?.playerId === lost.by && write.trace.pieceId === lost.pieceId && write.trace.action !== "grab");
      if (erased) example = { overwrite, erased };
    }
    if (example) break;
  }
  if (!example) {
    for (const overwrite of evidence.flatMap((room) => room.overwrites)) {
      const erased = overwrite.erased.find((write) => write.trace?.action === "drop");
      if (erased) example = { overwrite, erased };
    }
  }
  return { revisionsBehind, staleShare: writes > 0 ? (server["backend.store.staleWrites"] ?? 0) / writes : 0, example };
}

/** Where the stateless hubs' summary keeps what their functions spent (party/stateless/hub.ts). */
const FUNCTIONS = "backend.functions";

/** Sums the numeric fields of a room summary into `into`, nested ones as dotted keys; settings are not counters. */
function addCounters(into: ServerCounters, summary: object, prefix: string): void {
  for (const [key, value] of Object.entries(summary)) {
    const name = `${prefix}${key}`;
    if (typeof value === "number") into[name] = (into[name] ?? 0) + value;
    else if (value && typeof value === "object" && !Array.isArray(value) && key !== "config") addCounters(into, value, `${name}.`);
  }
}

function summarizeDesync(perClient: number[]): ModeFigures["desync"] {
  return {
    clients: perClient.length,
    piecesPerClientMean: perClient.length ? perClient.reduce((a, b) => a + b, 0) / perClient.length : 0,
    piecesPerClientMax: perClient.length ? Math.max(...perClient) : 0,
    clientsDesynced: perClient.filter((count) => count > 0).length,
  };
}

/** Adds several modes' runs into one "total" line. */
export function totalOf(modeRuns: ModeRun[]): ModeFigures {
  const runs = modeRuns.map((run) => run.figures);
  const raws = modeRuns;
  const sum = (pick: (figures: ModeFigures) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const acknowledged = sum((run) => run.actions.acknowledged);
  const playS = sum((run) => run.playS);
  const ackSamples = raws.flatMap((raw) => raw.ackSamples);
  const fanOutSamples = raws.flatMap((raw) => raw.fanOutSamples);
  const weighted = (pick: (figures: ModeFigures) => number) => (acknowledged ? sum((run) => (Number.isFinite(pick(run)) ? pick(run) * run.actions.acknowledged : 0)) / acknowledged : Number.NaN);
  const rejectReasons: Record<string, number> = {};
  for (const run of runs) for (const [reason, count] of Object.entries(run.rejectReasons)) rejectReasons[reason] = (rejectReasons[reason] ?? 0) + count;
  const server: ServerCounters = {};
  for (const run of runs) for (const [key, value] of Object.entries(run.server)) server[key] = (server[key] ?? 0) + value;
  const nullableSum = (pick: (figures: ModeFigures) => number | null) => (runs.some((run) => pick(run) !== null) ? sum((run) => pick(run) ?? 0) : null);
  const cpuRuns = runs.filter((run) => run.serverCpu);
  const cpuMs = cpuRuns.reduce((total, run) => total + run.serverCpu!.totalMs, 0);
  const cpuActions = cpuRuns.reduce((total, run) => total + run.actions.acknowledged, 0);
  const lost = sum((run) => run.lostMoves.lost);
  const judgedPieces = sum((run) => run.lostMoves.judgedPieces);
  return {
    mode: "total",
    rooms: sum((run) => run.rooms),
    clients: sum((run) => run.clients),
    playS,
    actions: {
      sent: sum((run) => run.actions.sent),
      acknowledged,
      rejected: sum((run) => run.actions.rejected),
      unanswered: sum((run) => run.actions.unanswered),
      byType: {
        grab: sum((run) => run.actions.byType.grab),
        move: sum((run) => run.actions.byType.move),
        drop: sum((run) => run.actions.byType.drop),
        ...(runs.some((run) => run.actions.byType.rotate !== undefined) ? { rotate: sum((run) => run.actions.byType.rotate ?? 0) } : {}),
      },
    },
    rejectReasons,
    acknowledgedPerS: acknowledged / playS,
    lostMoves: { lost, judgedPieces, lostPerJudged: judgedPieces ? lost / judgedPieces : 0, examples: runs.flatMap((run) => run.lostMoves.examples).slice(0, MAX_LOST_EXAMPLES) },
    desync: summarizeDesync(raws.flatMap((raw) => raw.desyncPerClient)),
    ackLatencyMs: distribution(ackSamples),
    ackLatencyHistogram: histogram(ackSamples),
    fanOutLatencyMs: distribution(fanOutSamples),
    fanOutIncomplete: sum((run) => run.fanOutIncomplete),
    perClientPerS: {
      outgoingFrames: sum((run) => run.perClientPerS.outgoingFrames * run.clients * run.playS) / sum((run) => run.clients * run.playS),
      outgoingBytes: sum((run) => run.perClientPerS.outgoingBytes * run.clients * run.playS) / sum((run) => run.clients * run.playS),
    },
    wire: { bytesUpPerAction: weighted((run) => run.wire.bytesUpPerAction), bytesDownPerAction: weighted((run) => run.wire.bytesDownPerAction), bytesPerAction: weighted((run) => run.wire.bytesPerAction) },
    store: runs.some((run) => run.store)
      ? { bytesReadPerAction: weighted((run) => run.store?.bytesReadPerAction ?? 0), bytesWrittenPerAction: weighted((run) => run.store?.bytesWrittenPerAction ?? 0) }
      : null,
    coldStarts: nullableSum((run) => run.coldStarts),
    retries: nullableSum((run) => run.retries),
    conflicts: nullableSum((run) => run.conflicts),
    serverCpu: cpuRuns.length ? { totalMs: cpuMs, perActionUs: cpuActions ? (cpuMs * 1000) / cpuActions : Number.NaN, toolingMs: cpuRuns.reduce((total, run) => total + run.serverCpu!.toolingMs, 0), byProcess: {}, serverRestarted: cpuRuns.some((run) => run.serverCpu!.serverRestarted) } : null,
    server,
    race: null,
    loadGeneratorCpuMsPerS: sum((run) => run.loadGeneratorCpuMsPerS * run.playS) / playS,
  };
}
