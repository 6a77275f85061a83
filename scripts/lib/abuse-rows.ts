/**
 * The rows of `npm run abuse`: each attack of issue 10 with the options the
 * script runs it with, a line saying what it tries, and a line saying what the
 * server did, read off the attack's result. The attacks themselves are
 * testkit/attacks/ (the integration tests run the same code, smaller).
 */
import { runAttack } from "../../testkit/attacks/run-attack.ts";
import type { AttackResult } from "../../testkit/attacks/attacks.ts";
import { MAX_PIECES } from "../../shared/puzzle-spec.ts";

export interface AbuseContext {
  /** host:port of the server under attack. */
  host: string;
  /** The room the good players of the attacked room are in. */
  goodRoom: string;
  /** Shorter runs (for a quick look; the figures of docs/figures.md are from full runs). */
  quick: boolean;
}

export interface AbuseRow {
  name: string;
  tried: string;
  /** Runs the attack; returns what the server did, and when the attack ran (epoch ms). */
  run(context: AbuseContext): Promise<{ did: string; startedAtMs: number; endedAtMs: number }>;
}

const count = (record: Record<string, number>): string =>
  Object.entries(record)
    .map(([key, value]) => `${value} x ${key}`)
    .join(", ") || "none";

/** Times around an attack that does not report its own. */
async function timed<T>(attack: () => Promise<T>): Promise<{ result: T; startedAtMs: number; endedAtMs: number }> {
  const startedAtMs = Date.now();
  const result = await attack();
  return { result, startedAtMs, endedAtMs: Date.now() };
}

function floodDid(result: AttackResult<"flood">): string {
  return `${result.sent} moves sent by ${result.sockets} socket(s), ${result.acked} applied, ${result.rateLimited} rejected rate-limited; closes ${count(result.closes)}${result.refusedJoins ? `; ${result.refusedJoins} joins refused` : ""}`;
}

export const ABUSE_ROWS: AbuseRow[] = [
  {
    name: "flood",
    tried: "one joined socket sends moves as fast as it can for 10 s, in the good players' room",
    async run({ host, goodRoom, quick }) {
      const result = await runAttack("flood", { host, room: goodRoom, durationMs: quick ? 3_000 : 10_000, rejoin: false });
      return { did: floodDid(result), startedAtMs: result.startedAtMs, endedAtMs: result.endedAtMs };
    },
  },
  {
    name: "flood, rejoining",
    tried: "the same, joining again at once after every close, for 10 s (loopback: no address to penalise)",
    async run({ host, goodRoom, quick }) {
      const result = await runAttack("flood", { host, room: goodRoom, durationMs: quick ? 3_000 : 10_000, rejoin: true });
      return { did: floodDid(result), startedAtMs: result.startedAtMs, endedAtMs: result.endedAtMs };
    },
  },
  {
    name: "flood, rejoining from an address",
    tried: "the same from one client address (CF-Connecting-IP, as behind Cloudflare)",
    async run({ host, goodRoom, quick }) {
      const result = await runAttack("flood", { host, room: goodRoom, durationMs: quick ? 3_000 : 10_000, rejoin: true, address: "192.0.2.66" });
      return { did: floodDid(result), startedAtMs: result.startedAtMs, endedAtMs: result.endedAtMs };
    },
  },
  {
    name: "not reading",
    tried: "60 joined sockets stop reading while a player drags a 300-piece group at 25 Hz for 30 s",
    async run({ host, quick }) {
      const result = await runAttack("notReading", { host, room: "abuse-sleepers", sockets: 60, group: { cols: 20, rows: 15 }, durationMs: quick ? 10_000 : 30_000 });
      return {
        did: `${result.closedForNotReading ?? "(no counter)"} closed for not reading; connected ${result.connectedBefore} -> ${result.connectedAfter}; the dragger's ack p99 ${result.dragger.ackMs.p99.toFixed(0)} ms (${result.dragger.acked}/${result.dragger.sent} acked)`,
        startedAtMs: result.startedAtMs,
        endedAtMs: result.endedAtMs,
      };
    },
  },
  {
    name: "no hello",
    tried: "1,000 sockets open on a room and never say hello",
    async run({ host }) {
      const result = await runAttack("silentSockets", { host, room: "abuse-silent", sockets: 1_000, waitMs: 20_000 });
      return { did: `closes ${count(result.closes)}; ${result.stillOpen} still open after 20 s; a newcomer ${result.newcomerJoined ? "joined" : "could not join"}`, startedAtMs: result.startedAtMs, endedAtMs: result.endedAtMs };
    },
  },
  {
    name: "same _pk",
    tried: "20 fast reconnects with the same connection id; a stranger with a victim's _pk and no token",
    async run({ host }) {
      const { result, startedAtMs, endedAtMs } = await timed(() => runAttack("identity", { host, room: "abuse-identity", tries: 20 }));
      const { takeover } = result;
      return {
        did: `${result.zombies}/${result.tries} zombies; the stranger joined as ${takeover.joinedAsOther ? "another player" : "the victim"}, ${takeover.movesRefused}/${takeover.movesTried} of its moves of the victim's piece refused, victim ${takeover.victimServed ? "still served" : "cut off"}`,
        startedAtMs,
        endedAtMs,
      };
    },
  },
  {
    name: "squat",
    tried: "64 sockets from one address join a room",
    async run({ host }) {
      const { result, startedAtMs, endedAtMs } = await timed(() => runAttack("squat", { host, room: "abuse-squat", sockets: 64, address: "192.0.2.7" }));
      return { did: `${result.joined} joined, closes ${count(result.closes)}; a player from elsewhere ${result.otherJoined ? "joined" : "was refused"}`, startedAtMs, endedAtMs };
    },
  },
  {
    name: "hold everything",
    tried: "one bot per piece (each from its own address) grabs it and renews it every 5 s with a move that moves nothing; a player tries a grab a second for 50 s",
    async run({ host, quick }) {
      const { result, startedAtMs, endedAtMs } = await timed(() => runAttack("holdEverything", { host, room: "abuse-hold", renewEveryMs: 5_000, durationMs: quick ? 15_000 : 50_000 }));
      return { did: `grabs granted per 10 s: ${result.grabs.map((bucket) => `${bucket.granted}/${bucket.tried}`).join(", ")}`, startedAtMs, endedAtMs };
    },
  },
  {
    name: "rooms, one address",
    tried: `500 rooms of ${MAX_PIECES} pieces created from one address`,
    async run({ host, quick }) {
      const result = await runAttack("roomFlood", { host, prefix: "abuse-one", rooms: quick ? 50 : 500, addresses: "one" });
      return { did: `${result.created} created, refused ${count(result.refused)}`, startedAtMs: result.startedAtMs, endedAtMs: result.endedAtMs };
    },
  },
  {
    name: "rooms, many addresses",
    tried: `300 rooms of ${MAX_PIECES} pieces, each from an address of its own (750,000 pieces)`,
    async run({ host, quick }) {
      const result = await runAttack("roomFlood", { host, prefix: "abuse-many", rooms: quick ? 60 : 300, addresses: "many" });
      return { did: `${result.created} created, refused ${count(result.refused)}`, startedAtMs: result.startedAtMs, endedAtMs: result.endedAtMs };
    },
  },
  {
    name: "pictures",
    tried: "an upload to a room that exists, a 60000x60000 header, a real 60000x60000 bomb, a PNG-signed page, a mislabelled type, 200 MiB with no length, 50 x 4 MiB from one address",
    async run({ host, quick }) {
      const { result, startedAtMs, endedAtMs } = await timed(() =>
        runAttack("pictures", { host, prefix: "abuse-pic", uploads: quick ? 10 : 50, unboundedBytes: (quick ? 64 : 200) * 2 ** 20, bombSidePx: quick ? 16_000 : 60_000 }),
      );
      const statuses = result.cases.filter((entry) => entry.case !== "a JPEG declared as a JPEG").map((entry) => entry.status);
      return {
        did: `refused with ${statuses.join(", ")}; big uploads: ${result.flood.stored} stored, refused ${count(result.flood.refused)}; served as ${result.served.contentType} with nosniff ${result.served.nosniff ?? "missing"}`,
        startedAtMs,
        endedAtMs,
      };
    },
  },
  {
    name: "names, room ids",
    tried: "11 hostile names (bidi override, invisible, controls, lone surrogate, copies, overlong); a 300-character room id on every party",
    async run({ host }) {
      const { result, startedAtMs, endedAtMs } = await timed(() => runAttack("names", { host, room: "abuse-names" }));
      const refused = result.names.filter((entry) => entry.shown === null).length;
      const cleaned = result.names.filter((entry) => entry.shown !== null).map((entry) => JSON.stringify(entry.shown));
      const ids = result.roomIds.map((entry) => `${entry.party} ${entry.http.status}${entry.socketRefused ? "/ws refused" : "/ws open"}`);
      return { did: `${refused} refused; shown as ${cleaned.join(" ")}; long ids: ${ids.join(", ")}`, startedAtMs, endedAtMs };
    },
  },
];
