/**
 * The players an attack must not hurt: a few honest clients in each of some
 * rooms, each dragging its own piece at a real player's 25 Hz for as long as
 * they play. What an attack cost them is read off their acknowledgements:
 * counts, and the ack latency of the actions they sent in a window of time.
 */
import { createPrng } from "../../shared/prng.ts";
import type { PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { ProtocolClient, type SentAction } from "../protocol-client.ts";
import { drag } from "../scripted/drag.ts";
import { PlayTime } from "../scripted/play.ts";
import { distribution, type Distribution } from "../stats.ts";

/** A real player's drag rate (client/store/drag-intent.ts sends a move at most every 40 ms). */
export const REAL_DRAG_HZ = 25;

export const GOOD_PUZZLE: PuzzleOptions = { imageId: "good", imageWidth: 1200, imageHeight: 800, pieceCount: 100, seed: 11 };

/** What the good players of one room (or all) saw in a window. */
export interface GoodWindow {
  sent: number;
  acked: number;
  rejected: number;
  /** Sent in the window and never answered. */
  unanswered: number;
  ackMs: Distribution;
}

export class GoodPlayers {
  private readonly records: Array<{ room: string; record: SentAction }> = [];
  private readonly until = new PlayTime();
  private readonly playing: Promise<void>[] = [];
  private readonly clients: ProtocolClient[] = [];
  /** How many closes each client had seen when the players stopped: the ones after are their own. */
  private readonly stoppedAt = new Map<ProtocolClient, number>();

  /** Joins `perRoom` players in each room (the first creates it) and starts them dragging. */
  static async start(host: string, rooms: readonly string[], perRoom: number, create: PuzzleOptions = GOOD_PUZZLE): Promise<GoodPlayers> {
    const players = new GoodPlayers();
    for (const room of rooms) {
      for (let index = 0; index < perRoom; index++) {
        const client = await ProtocolClient.join({ host, room, name: `Good ${index + 1}`, create, keepEvents: false });
        players.clients.push(client);
        players.playing.push(
          drag({ client, until: players.until, onSent: (record) => players.records.push({ room, record }) }, { prng: createPrng(index + 1), rateHz: REAL_DRAG_HZ, pieceId: index * 7 }),
        );
      }
    }
    return players;
  }

  /** Acks and latency of the actions sent between `fromMs` and `toMs` (epoch ms, Date.now()), in `room` or in all. */
  window(fromEpochMs: number, toEpochMs: number, room?: string): GoodWindow {
    const fromMs = fromEpochMs - performance.timeOrigin;
    const toMs = toEpochMs - performance.timeOrigin;
    const sent = this.records.filter((entry) => (room === undefined || entry.room === room) && entry.record.sentAtMs >= fromMs && entry.record.sentAtMs < toMs).map((entry) => entry.record);
    const acked = sent.filter((record) => record.ackedAtMs !== undefined);
    return {
      sent: sent.length,
      acked: acked.length,
      rejected: sent.filter((record) => record.rejected !== undefined).length,
      unanswered: sent.filter((record) => record.ackedAtMs === undefined && record.rejected === undefined).length,
      ackMs: distribution(acked.map((record) => record.ackedAtMs! - record.sentAtMs)),
    };
  }

  /** Closes the server made of good players' sockets (there must be none), as "code reason". */
  get closes(): string[] {
    return this.clients.flatMap((client) => client.closeEvents.slice(0, this.stoppedAt.get(client) ?? undefined).map((close) => `${close.code} ${close.reason}`));
  }

  /** Stops dragging, waits for the last answers, and leaves. */
  async stop(settleMs = 3_000): Promise<void> {
    this.until.stop();
    await Promise.allSettled(this.playing);
    await Promise.allSettled(this.clients.map((client) => client.settled(settleMs)));
    for (const client of this.clients) {
      this.stoppedAt.set(client, client.closeEvents.length);
      client.close();
    }
  }
}
