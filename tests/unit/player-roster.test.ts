/**
 * PlayerRoster's lookups by player (connectionOf, seatsTaken, connectedPlayers)
 * come from an index it keeps as sessions change, not from a pass over every
 * socket. Here a few thousand random joins, resumes, watchers, seats, state
 * changes and leaves are played, and after each step the index must say what a
 * pass over the sessions says.
 */
import { describe, expect, it } from "vitest";
import { PlayerRoster, type Connecting, type Joined, type Joining, type RosterPlayer } from "../../party/common/player-roster.ts";
import type { RoomSocket } from "../../party/common/socket.ts";
import { createPrng } from "../../shared/prng.ts";

interface TestJoined extends Joined {
  readonly role: "player" | "watcher";
}

function socket(id: string): RoomSocket {
  return { id, send: () => {}, close: () => {} };
}

/** What the roster's index must agree with: the joined, not watching sessions. */
function scanned(roster: PlayerRoster<TestJoined, Joining>): { seated: Map<string, string[]>; joining: number } {
  const seated = new Map<string, string[]>();
  let joining = 0;
  for (const [socketId, session] of roster.sessions) {
    if (session.state === "joining") joining++;
    if (session.state !== "joined" || roster.isWatching(socketId)) continue;
    seated.set(session.playerId, [...(seated.get(session.playerId) ?? []), socketId]);
  }
  return { seated, joining };
}

describe("the roster's index of connected players", () => {
  it("agrees with a pass over the sessions through random joins, resumes, watchers, seats and leaves", () => {
    const random = createPrng(11);
    let ids = 0;
    const roster = new PlayerRoster<TestJoined, Joining>(40, () => `id-${++ids}-${"x".repeat(24)}`, 40);
    const remembered: RosterPlayer[] = [];
    let sockets = 0;
    for (let step = 0; step < 4_000; step++) {
      const open = [...roster.sessions.values()];
      const pick = <T>(list: T[]): T | undefined => list[Math.floor(random() * list.length)];
      const choice = random();
      if (choice < 0.25 || open.length === 0) {
        roster.add(socket(`s${++sockets}`));
      } else if (choice < 0.45) {
        const waiting = pick(open.filter((session): session is Connecting => session.state === "connecting"));
        if (waiting) {
          const resumed = random() < 0.3 ? pick(remembered) : undefined;
          const { player } = roster.bind(waiting, "P", resumed, (bound) => ({ state: "joined", socket: waiting.socket, playerId: bound.id, role: "player" }));
          if (!resumed) remembered.push(player);
        }
      } else if (choice < 0.55) {
        const waiting = pick(open.filter((session): session is Connecting => session.state === "connecting"));
        if (waiting) roster.bindWatcher(waiting, ({ id }) => ({ state: "joined", socket: waiting.socket, playerId: id, role: "watcher" }));
      } else if (choice < 0.62) {
        const watcher = pick(open.filter((session): session is TestJoined => session.state === "joined" && roster.isWatching(session.socket.id)));
        if (watcher) roster.seat(watcher, "W", "token", (player) => ({ ...watcher, role: "player", playerId: player.id }));
      } else if (choice < 0.7) {
        // A state change of a connecting socket (the hubs' joining), or a joined session replaced by a copy.
        const session = pick(open);
        if (session?.state === "connecting") roster.replace<Joining>({ state: "joining", socket: session.socket });
        else if (session?.state === "joined") roster.replace({ ...session });
      } else {
        const session = pick(open);
        if (session) roster.remove(session.socket.id);
      }
      const truth = scanned(roster);
      expect(roster.connectedPlayers, `step ${step}`).toBe(truth.seated.size);
      expect(roster.seatsTaken(), `step ${step}`).toBe(truth.seated.size + truth.joining);
      const wrong = remembered.filter((player) => {
        const found = roster.connectionOf(player.id);
        const sockets = truth.seated.get(player.id);
        return sockets ? !found || !sockets.includes(found.socket.id) || roster.sessions.get(found.socket.id) !== found : found !== undefined;
      });
      expect(wrong.map((player) => player.id), `step ${step}: connectionOf`).toEqual([]);
      expect(new Set(roster.connectedPlayerIds())).toEqual(new Set(truth.seated.keys()));
    }
    // The walk reached every kind of state it checks.
    expect(remembered.length).toBeGreaterThan(50);
  });
});
