/**
 * The runtime's floor, for `npm run bench:floor`: the least a PartyKit room can do
 * with the same traffic as the puzzle room, with no rules, no validation and no
 * protocol. The room id's first word picks the behaviour. Whatever this costs
 * on a machine, the puzzle room cannot cost less there.
 */
import type * as Party from "partykit/server";

export const FLOOR_BEHAVIOURS = ["receive", "echo", "broadcast", "batched", "batched-stored", "paced"] as const;
export type FloorBehaviour = (typeof FLOOR_BEHAVIOURS)[number];
/**
 * `paced` is bench:crowd's: batched-stored for the players, and sockets that
 * connect with `?watch=1` (watchers) get a frame at most every
 * FLOOR_WATCHER_FRAME_MS ("-w<ms>-" in the id), each on a tick: the puzzle
 * room's pacing in a crowd, with nothing else of it.
 */
export const FLOOR_WATCH_PARAM = "watch";
/** A join's frames (bench:crowd): the hello a client sends, the welcome it is answered. */
export const FLOOR_HELLO = '{"type":"hello"}';
export const FLOOR_WELCOME = '{"type":"welcome"}';
/** The batched behaviours' tick, unless the room id says otherwise ("batched-t16-..."). */
export const FLOOR_TICK_MS = 33;
export const FLOOR_WATCHER_FRAME_MS = 100;

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
  /** paced: the moves the watchers have not been sent yet, and when they last were. */
  private watchersPending: string[] = [];
  private watchersSentMs = 0;
  private watchersTail: ReturnType<typeof setTimeout> | null = null;
  private readonly watchers = new Set<string>();
  private tick: ReturnType<typeof setTimeout> | null = null;
  private lastTickMs = 0;
  private readonly tickMs: number;
  private readonly watcherFrameMs: number;

  constructor(readonly room: Party.Room) {
    this.behaviour = floorBehaviourOf(room.id);
    this.tickMs = Number(/-t(\d+)-/.exec(room.id)?.[1] ?? FLOOR_TICK_MS);
    this.watcherFrameMs = Number(/-w(\d+)-/.exec(room.id)?.[1] ?? FLOOR_WATCHER_FRAME_MS);
  }

  onConnect(connection: Party.Connection, ctx: Party.ConnectionContext): void {
    if (!this.behaviour) return connection.close(4000, `room id must start with one of ${FLOOR_BEHAVIOURS.join(", ")} and a dash`);
    if (new URL(ctx.request.url).searchParams.has(FLOOR_WATCH_PARAM)) this.watchers.add(connection.id);
  }

  onClose(connection: Party.Connection): void {
    this.watchers.delete(connection.id);
  }

  /** Answers the readiness probe of scripts/lib/partykit-dev.ts. */
  onRequest(): Response {
    return new Response("floor room");
  }

  onMessage(message: string | ArrayBuffer, sender: Party.Connection): void {
    if (typeof message !== "string") return;
    // bench:crowd's join: a hello answered with a welcome, as the puzzle room's join is one round trip.
    if (message === FLOOR_HELLO) return sender.send(FLOOR_WELCOME);
    switch (this.behaviour) {
      case "receive":
        return;
      case "echo":
        return sender.send(message);
      case "broadcast":
        return this.room.broadcast(message);
      case "batched":
      case "batched-stored":
      case "paced":
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
    if (this.watchersTail !== null) clearTimeout(this.watchersTail);
    this.watchersTail = null;
    if (this.tick !== null) clearTimeout(this.tick);
    this.tick = null;
    this.lastTickMs = Date.now();
    const moves = this.pending;
    const frame = `[${moves.join(",")}]`;
    this.pending = [];
    // The output gate holds the frame until this write is stored, as the puzzle room's acks are held.
    if (this.behaviour !== "batched" && moves.length > 0) void this.room.storage.put("last", frame);
    if (this.behaviour !== "paced") return this.room.broadcast(frame);
    this.watchersPending.push(...moves);
    const watchersDue = this.lastTickMs - this.watchersSentMs >= this.watcherFrameMs;
    const watcherFrame = watchersDue ? `[${this.watchersPending.join(",")}]` : null;
    if (watchersDue) {
      this.watchersPending = [];
      this.watchersSentMs = this.lastTickMs;
    }
    // One pass (PartyKit's broadcast checks its "without" list per socket).
    for (const connection of this.room.getConnections()) {
      if (!this.watchers.has(connection.id)) {
        if (moves.length > 0) connection.send(frame);
      } else if (watcherFrame !== null) connection.send(watcherFrame);
    }
    // Should the players stop, the watchers' last moves still go when due.
    if (this.watchersPending.length > 0) this.watchersTail = setTimeout(() => this.flush(), Math.max(0, this.watchersSentMs + this.watcherFrameMs - Date.now()));
  }
}
