/**
 * Not an attack on the room but a measure of the runtime: sockets opened and
 * closed, in batches, with nothing said. Whatever memory this leaves behind in
 * workerd, the do-nothing floor room (scripts/floor-room/) leaves too: it is
 * the runtime's share, which the room must not compound.
 */
import { RawSocket } from "../raw-socket.ts";
import { sleep } from "../scripted/play.ts";

export interface ChurnOptions {
  host: string;
  room: string;
  sockets: number;
  /** Sockets open at once. */
  batch: number;
}

export interface ChurnResult {
  opened: number;
  refused: number;
}

export async function churn(options: ChurnOptions): Promise<ChurnResult> {
  let opened = 0;
  let refused = 0;
  for (let done = 0; done < options.sockets; done += options.batch) {
    const sockets = Array.from({ length: Math.min(options.batch, options.sockets - done) }, () => new RawSocket({ host: options.host, room: options.room }));
    const results = await Promise.allSettled(sockets.map((socket) => socket.open()));
    for (const result of results) result.status === "fulfilled" ? opened++ : refused++;
    for (const socket of sockets) socket.close();
    await Promise.all(sockets.map((socket) => Promise.race([socket.whenClosed(), sleep(2_000)])));
  }
  return { opened, refused };
}
