/**
 * Attack 5 of issue 10: one client creates room after room of the biggest
 * puzzle, and every room stays loaded. Now an address may create
 * ROOMS_PER_ADDRESS_PER_MIN rooms a minute, and the process keeps at most
 * LOADED_PIECES_BUDGET pieces loaded, unloading idle rooms (they rebuild from
 * storage when someone comes back).
 */
import { MAX_PIECES, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { RawSocket } from "../raw-socket.ts";

export interface RoomFloodOptions {
  host: string;
  /** Room ids are `<prefix>-<n>`. */
  prefix: string;
  rooms: number;
  pieces?: number;
  /** One address for every room (the quota), or a new address per room (the budget). */
  addresses: "one" | "many";
  /** Sockets creating rooms at once. */
  parallel?: number;
}

export interface RoomFloodResult {
  created: number;
  /** Refusals by error code. */
  refused: Record<string, number>;
  startedAtMs: number;
  endedAtMs: number;
}

export async function roomFlood(options: RoomFloodOptions): Promise<RoomFloodResult> {
  const pieces = options.pieces ?? MAX_PIECES;
  const create: PuzzleOptions = { imageId: "flood", imageWidth: 1600, imageHeight: 1000, pieceCount: pieces, seed: 1 };
  const result: RoomFloodResult = { created: 0, refused: {}, startedAtMs: Date.now(), endedAtMs: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < options.rooms) {
      const index = next++;
      const address = options.addresses === "one" ? "192.0.2.1" : `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}`;
      const socket = new RawSocket({ host: options.host, room: `${options.prefix}-${index}`, address });
      try {
        await socket.open();
        socket.hello("Creator", { create });
        await socket.welcomed(20_000);
        result.created++;
      } catch {
        const error = socket.messages.find((message) => message.type === "error");
        const why = error?.type === "error" ? error.code : `closed ${socket.closed?.code ?? "?"}`;
        result.refused[why] = (result.refused[why] ?? 0) + 1;
      } finally {
        socket.close();
      }
    }
  };
  await Promise.all(Array.from({ length: options.parallel ?? 8 }, worker));
  result.endedAtMs = Date.now();
  return result;
}
