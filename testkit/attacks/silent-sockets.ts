/**
 * Attack 2b of issue 10: sockets that open and never say hello. Before the
 * limits all of them stayed open for ever; now the room keeps at most
 * MAX_CONNECTING_SOCKETS waiting (a newer one pushes out the oldest) and closes
 * any that has not said hello within HELLO_TIMEOUT_MS. A real player who
 * arrives in the middle of it still joins.
 */
import { ProtocolClient } from "../protocol-client.ts";
import { RawSocket } from "../raw-socket.ts";
import { sleep } from "../scripted/play.ts";
import { GOOD_PUZZLE } from "./good-players.ts";

export interface SilentSocketsOptions {
  host: string;
  room: string;
  sockets: number;
  /** How long to wait for the room to close them all. */
  waitMs: number;
  /** Join an owner first (creating the room) and a newcomer among the silent sockets (default true); a room in play has both already. */
  players?: boolean;
  /**
   * How many of the sockets (the first ones) send one frame that is not a
   * hello (a ping, answered `not-joined`) as soon as they open, and nothing
   * after; the rest never send a frame (default 0). With hibernation on,
   * `partykit dev` never sends a close the room made to a socket before that
   * socket's first frame (docs/architecture.md, Crowds): only these see the close.
   */
  speakers?: number;
}

export interface SilentSocketsResult {
  opened: number;
  /** Closes by code, as the sockets saw them. */
  closes: Record<string, number>;
  /** Still open after the wait. */
  stillOpen: number;
  /** A player who arrived while they were open joined. */
  newcomerJoined: boolean;
  startedAtMs: number;
  endedAtMs: number;
}

export async function silentSockets(options: SilentSocketsOptions): Promise<SilentSocketsResult> {
  const { host, room } = options;
  // The room exists, as a real room under attack would.
  const players = options.players !== false;
  const owner = players ? await ProtocolClient.join({ host, room, name: "Owner", create: GOOD_PUZZLE, keepEvents: false }) : null;
  const startedAtMs = Date.now();
  const sockets: RawSocket[] = [];
  for (let index = 0; index < options.sockets; index++) {
    sockets.push(new RawSocket({ host, room }));
    // Let the event loop breathe every so often, or nothing else runs.
    if (index % 50 === 49) await sleep(10);
  }
  await Promise.allSettled(sockets.map((socket, index) => socket.open().then(() => index < (options.speakers ?? 0) && socket.send(JSON.stringify({ type: "ping", t: 1 })))));
  let newcomerJoined = false;
  if (players) {
    try {
      const newcomer = await ProtocolClient.join({ host, room, name: "Newcomer" }, 10_000);
      newcomerJoined = newcomer.replica !== null;
      newcomer.close();
    } catch {
      newcomerJoined = false;
    }
  }
  const deadline = performance.now() + options.waitMs;
  while (performance.now() < deadline && sockets.some((socket) => socket.opened && !socket.closed)) await sleep(100);
  const endedAtMs = Date.now();
  const closes: Record<string, number> = {};
  for (const socket of sockets) if (socket.closed) closes[socket.closed.code] = (closes[socket.closed.code] ?? 0) + 1;
  const result = { opened: sockets.filter((socket) => socket.opened).length, closes, stillOpen: sockets.filter((socket) => socket.opened && !socket.closed).length, newcomerJoined, startedAtMs, endedAtMs };
  for (const socket of sockets) socket.close();
  owner?.close();
  return result;
}
