/**
 * Attack 2 of issue 10: many joined sockets stop reading while one player drags
 * a big group at 25 Hz, so every frame to them is large and none is read.
 * Before the limits the server buffered all of it, without bound; now each
 * non-reader is closed once it has been sent MAX_UNREAD_BYTES it has not shown
 * it read (or leaves a heartbeat unanswered), and its session is freed.
 */
import { solvedPosition, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { ProtocolClient } from "../protocol-client.ts";
import { RawSocket } from "../raw-socket.ts";
import { sleep, Ticker } from "../scripted/play.ts";
import { distribution, type Distribution } from "../stats.ts";
import { fetchRoomLimits, httpBaseOf } from "../room-http.ts";
import { REAL_DRAG_HZ } from "./good-players.ts";

export const BIG_PUZZLE: PuzzleOptions = { imageId: "big", imageWidth: 1600, imageHeight: 1000, pieceCount: 1000, seed: 5 };
/** Actions a second the assembly sends: within the default action limit. */
const ASSEMBLY_ACTIONS_PER_S = 100;

export interface NotReadingOptions {
  host: string;
  room: string;
  /** Sockets that join, then stop reading. */
  sockets: number;
  /** Columns x rows of the group the dragger builds and drags. */
  group: { cols: number; rows: number };
  durationMs: number;
}

export interface NotReadingResult {
  /** Sockets the room closed for not reading during the attack (its guard's count; a socket that reads nothing never sees its close). */
  closedForNotReading: number | null;
  /** Players the room counted connected before the drag and after it. */
  connectedBefore: number;
  connectedAfter: number;
  /** The dragger's acks during the drag. */
  dragger: { sent: number; acked: number; ackMs: Distribution };
  groupPieces: number;
  startedAtMs: number;
  endedAtMs: number;
}

/**
 * Builds a group of `cols` x `rows` pieces off the board, by dropping each
 * piece where it fits its neighbours (shifted to the table's top-left corner),
 * at a pace within the action limit; returns the group's anchor piece.
 */
export async function assembleGroup(client: ProtocolClient, cols: number, rows: number): Promise<number> {
  const { spec } = client.replica!.puzzle;
  if (cols > spec.cols || rows > spec.rows) throw new Error(`a ${cols}x${rows} group does not fit a ${spec.cols}x${spec.rows} puzzle`);
  const margin = spec.pieceWidth;
  const ticker = new Ticker(ASSEMBLY_ACTIONS_PER_S / 2);
  let last = null;
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const pieceId = row * spec.cols + col;
      const solved = solvedPosition(spec, pieceId);
      await ticker.tick();
      client.act({ type: "grab", pieceId });
      last = client.act({ type: "drop", pieceId, x: solved.x - spec.boardX + margin, y: solved.y - spec.boardY + margin });
    }
  }
  if (last) await client.answered(last, 30_000);
  await client.settled(30_000);
  return 0;
}

export async function notReading(options: NotReadingOptions): Promise<NotReadingResult> {
  const { host, room } = options;
  const dragger = await ProtocolClient.join({ host, room, name: "Dragger", create: BIG_PUZZLE, keepEvents: false });
  const anchor = await assembleGroup(dragger, options.group.cols, options.group.rows);
  const sockets: RawSocket[] = [];
  for (let index = 0; index < options.sockets; index++) {
    const socket = new RawSocket({ host, room });
    await socket.open();
    socket.hello(`Sleeper ${index + 1}`);
    await socket.welcomed();
    socket.stopReading();
    sockets.push(socket);
  }
  const httpBase = httpBaseOf(host);
  const before = await fetchRoomLimits(httpBase, "main", room);
  const startedAtMs = Date.now();
  const endAtMs = performance.now() + options.durationMs;
  const grab = dragger.act({ type: "grab", pieceId: anchor });
  await dragger.answered(grab);
  const start = dragger.replica!.puzzle.pieces[anchor]!;
  const moves = [];
  const ticker = new Ticker(REAL_DRAG_HZ);
  for (let step = 1; performance.now() < endAtMs; step++) {
    await ticker.tick();
    moves.push(dragger.act({ type: "move", pieceId: anchor, x: start.x + Math.round(40 * Math.sin(step / 10)), y: start.y + Math.round(40 * Math.cos(step / 10)) }));
  }
  const endedAtMs = Date.now();
  await dragger.settled(10_000).catch(() => undefined);
  dragger.act({ type: "drop", pieceId: anchor, x: start.x, y: start.y });
  await sleep(500);
  const after = await fetchRoomLimits(httpBase, "main", room);
  const acked = moves.filter((record) => record.ackedAtMs !== undefined);
  const result: NotReadingResult = {
    closedForNotReading: after.guard && before.guard ? after.guard.notReading - before.guard.notReading : null,
    connectedBefore: before.connected,
    connectedAfter: after.connected,
    dragger: { sent: moves.length, acked: acked.length, ackMs: distribution(acked.map((record) => record.ackedAtMs! - record.sentAtMs)) },
    groupPieces: options.group.cols * options.group.rows,
    startedAtMs,
    endedAtMs,
  };
  for (const socket of sockets) socket.close();
  dragger.close();
  return result;
}
