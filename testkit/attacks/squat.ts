/**
 * Attack 4 of issue 10: anyone with a link can lock a room. Squatting: one
 * address opens enough sockets to fill the room, and everyone else is refused
 * for as long as they stay. Holding everything: one socket per piece grabs it
 * and renews its lease every few seconds with a move that moves nothing, so no
 * one else can take a piece, ever. Now an address may have only so many sockets
 * in a room, and a hold that only renews lapses STILL_HOLD_MAX_MS after its
 * group last moved.
 */
import type { PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { ProtocolClient } from "../protocol-client.ts";
import { RawSocket } from "../raw-socket.ts";
import { sleep } from "../scripted/play.ts";

export const SQUAT_PUZZLE: PuzzleOptions = { imageId: "squat", imageWidth: 800, imageHeight: 800, pieceCount: 16, seed: 9 };

export interface SquatOptions {
  host: string;
  room: string;
  /** Sockets the squatter opens, all from `address`. */
  sockets: number;
  address: string;
}

export interface SquatResult {
  joined: number;
  /** Closes of the squatter's sockets, by code. */
  closes: Record<string, number>;
  /** A player from another address joined while the squatter stayed. */
  otherJoined: boolean;
}

export async function squat(options: SquatOptions): Promise<SquatResult> {
  const { host, room, address } = options;
  const sockets: RawSocket[] = [];
  for (let index = 0; index < options.sockets; index++) {
    const socket = new RawSocket({ host, room, address, answerHeartbeats: true });
    sockets.push(socket);
    socket.open().then(
      () => socket.hello(`Squatter ${index + 1}`, { create: SQUAT_PUZZLE }),
      () => undefined,
    );
  }
  await sleep(2_000);
  let joined = 0;
  for (const socket of sockets) if (socket.messages.some((message) => message.type === "welcome")) joined++;
  let otherJoined = false;
  try {
    const other = await ProtocolClient.join({ host, room, name: "Someone else", address: "198.51.100.77" }, 10_000);
    otherJoined = true;
    other.close();
  } catch {
    otherJoined = false;
  }
  const closes: Record<string, number> = {};
  for (const socket of sockets) if (socket.closed) closes[socket.closed.code] = (closes[socket.closed.code] ?? 0) + 1;
  for (const socket of sockets) socket.close();
  return { joined, closes, otherJoined };
}

export interface HoldEverythingOptions {
  host: string;
  room: string;
  /** How often each bot renews its hold with a move that moves nothing. */
  renewEveryMs: number;
  durationMs: number;
}

export interface HoldEverythingResult {
  pieces: number;
  bots: number;
  /** A good player's grab attempts, one a second, and how many the room granted, per ten seconds. */
  grabs: Array<{ fromS: number; tried: number; granted: number }>;
  /** When each piece's bot sent its grab (performance.now() of the attack's process): its hold is fresh for a lease from then at least. */
  heldFromMs: number[];
  /** Every grab attempt of the good player: when it was answered (same clock), and whether the room granted it. */
  attempts: Array<{ pieceId: number; answeredAtMs: number; granted: boolean }>;
}

/** One bot per piece (each from its own address, so no per-address limit stops them) sits on its piece. */
export async function holdEverything(options: HoldEverythingOptions): Promise<HoldEverythingResult> {
  const { host, room } = options;
  const pieces = SQUAT_PUZZLE.pieceCount;
  const bots: ProtocolClient[] = [];
  const heldFromMs: number[] = [];
  for (let pieceId = 0; pieceId < pieces; pieceId++) {
    const bot = await ProtocolClient.join({ host, room, name: `Bot ${pieceId}`, create: SQUAT_PUZZLE, address: `203.0.113.${pieceId + 1}`, keepEvents: false });
    heldFromMs.push(performance.now());
    await bot.answered(bot.act({ type: "grab", pieceId }));
    bots.push(bot);
  }
  const attempts: HoldEverythingResult["attempts"] = [];
  const player = await ProtocolClient.join({ host, room, name: "Player", address: "198.51.100.1", keepEvents: false });
  const startMs = performance.now();
  const grabs: HoldEverythingResult["grabs"] = [];
  let nextRenewMs = startMs + options.renewEveryMs;
  let attempt = 0;
  while (performance.now() - startMs < options.durationMs) {
    if (performance.now() >= nextRenewMs) {
      nextRenewMs += options.renewEveryMs;
      for (const [pieceId, bot] of bots.entries()) {
        const piece = bot.replica!.puzzle.pieces[pieceId]!;
        bot.act({ type: "move", pieceId, x: piece.x, y: piece.y });
      }
    }
    const pieceId = attempt++ % pieces;
    const record = await player.answered(player.act({ type: "grab", pieceId }));
    attempts.push({ pieceId, answeredAtMs: performance.now(), granted: record.ackedAtMs !== undefined });
    const bucket = Math.floor((performance.now() - startMs) / 10_000);
    grabs[bucket] ??= { fromS: bucket * 10, tried: 0, granted: 0 };
    grabs[bucket]!.tried++;
    if (record.ackedAtMs !== undefined) {
      grabs[bucket]!.granted++;
      await player.answered(player.act({ type: "drop", pieceId, x: 10, y: 10 }));
    }
    await sleep(1_000);
  }
  for (const client of [...bots, player]) client.close();
  return { pieces, bots: bots.length, grabs: grabs.filter((entry) => entry !== undefined), heldFromMs, attempts };
}
