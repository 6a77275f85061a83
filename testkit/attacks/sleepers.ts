/**
 * A few joined sockets that stop reading for a while, in a room in play: the
 * soak's abusive clients (not-reading.ts is the full attack). They never see
 * their close; the room's guard counts them (GET ?limits=1).
 */
import { RawSocket } from "../raw-socket.ts";
import { sleep } from "../scripted/play.ts";

export interface SleepersOptions {
  host: string;
  room: string;
  sockets: number;
  durationMs: number;
}

export async function sleepers(options: SleepersOptions): Promise<{ joined: number }> {
  const sockets: RawSocket[] = [];
  for (let index = 0; index < options.sockets; index++) {
    const socket = new RawSocket({ host: options.host, room: options.room });
    try {
      await socket.open();
      socket.hello(`Sleeper ${index + 1}`);
      await socket.welcomed();
      socket.stopReading();
      sockets.push(socket);
    } catch {
      socket.close();
    }
  }
  await sleep(options.durationMs);
  for (const socket of sockets) socket.close();
  return { joined: sockets.length };
}
