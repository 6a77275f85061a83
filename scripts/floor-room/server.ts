/**
 * The runtime's floor, for `npm run bench:floor`: the least a PartyKit room can do
 * with the same traffic as the puzzle room, with no rules, no validation and no
 * protocol. The room id's first word picks the behaviour. Whatever this costs
 * on a machine, the puzzle room cannot cost less there.
 */
import type * as Party from "partykit/server";

export const FLOOR_BEHAVIOURS = ["receive", "echo", "broadcast", "batched", "batched-stored"] as const;
export type FloorBehaviour = (typeof FLOOR_BEHAVIOURS)[number];
/** The batched behaviours' tick, unless the room id says otherwise ("batched-t16-..."). */
export const FLOOR_TICK_MS = 33;

/**
 * The behaviour a room id names: the longest that prefixes it with a dash, since
 * "batched-" also prefixes "batched-stored-..." (which, read first-match, ran
 * without its storage writes).
 */
export function floorBehaviourOf(roomId: string): FloorBehaviour | undefined {
  return [...FLOOR_BEHAVIOURS].sort((a, b) => b.length - a.length).find((behaviour) => roomId.startsWith(`${behaviour}-`));
}

export default class FloorRoom implements Party.Server {
  private readonly behaviour: FloorBehaviour | undefined;
  private pending: string[] = [];
  private tick: ReturnType<typeof setTimeout> | null = null;
  private lastTickMs = 0;
  private readonly tickMs: number;

  constructor(readonly room: Party.Room) {
    this.behaviour = floorBehaviourOf(room.id);
    this.tickMs = Number(/-t(\d+)-/.exec(room.id)?.[1] ?? FLOOR_TICK_MS);
  }

  onConnect(connection: Party.Connection): void {
    if (!this.behaviour) connection.close(4000, `room id must start with one of ${FLOOR_BEHAVIOURS.join(", ")} and a dash`);
  }

  /** Answers the readiness probe of scripts/lib/partykit-dev.ts. */
  onRequest(): Response {
    return new Response("floor room");
  }

  onMessage(message: string | ArrayBuffer, sender: Party.Connection): void {
    if (typeof message !== "string") return;
    switch (this.behaviour) {
      case "receive":
        return;
      case "echo":
        return sender.send(message);
      case "broadcast":
        return this.room.broadcast(message);
      case "batched":
      case "batched-stored":
        this.pending.push(message);
        // A fixed grid, as a room's tick would be: not restarted by each message.
        if (this.tick === null) {
          const now = Date.now();
          const wait = Math.max(0, this.lastTickMs + this.tickMs - now);
          this.tick = setTimeout(() => this.flush(), wait);
        }
        return;
    }
  }

  private flush(): void {
    this.tick = null;
    this.lastTickMs = Date.now();
    const frame = `[${this.pending.join(",")}]`;
    this.pending = [];
    // The output gate holds the frame until this write is stored, as the puzzle room's acks are held.
    if (this.behaviour === "batched-stored") void this.room.storage.put("last", frame);
    this.room.broadcast(frame);
  }
}
