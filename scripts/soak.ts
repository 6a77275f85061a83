/**
 * `npm run soak`: a long game with churn and abuse against a local `partykit
 * dev` (persistence on, in a temporary directory). PLAYERS players solve one
 * 2,500-piece puzzle at 20 Hz; every few seconds one leaves (its socket closed
 * once its last actions are answered) and either comes back with its token or
 * is replaced by a newcomer; once a minute a flooder,
 * a few sockets that stop reading and a crowd that never says hello arrive.
 * It prints, minute by minute, workerd's memory and the players' ack p99, and
 * at the end how much of the memory growth the do-nothing floor room shows
 * too when it is handed the same connection churn (the runtime's share), and
 * whether any acknowledged action was lost. Bounded: `--minutes` (10 by default).
 *
 *   npm run soak -- [--minutes 3] [--players 64] [--json]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, Option } from "commander";
import { startPartykitDev } from "../testkit/partykit-dev.ts";
import { snapshotProject } from "../testkit/project-snapshot.ts";
import { ProtocolClient, type SentAction } from "../testkit/protocol-client.ts";
import { solve } from "../testkit/scripted/solve.ts";
import { awayFromBoard } from "../testkit/scripted/choices.ts";
import { PlayTime, sleep } from "../testkit/scripted/play.ts";
import { runAttack } from "../testkit/attacks/run-attack.ts";
import { fetchRoomLimits, fetchRoomState } from "../testkit/room-http.ts";
import { judgeRun } from "../testkit/judge.ts";
import type { AttackResult } from "../testkit/attacks/attacks.ts";
import { distribution } from "../testkit/stats.ts";
import { createPrng } from "../shared/prng.ts";
import { MAX_PIECES, type PuzzleOptions } from "../shared/puzzle-spec.ts";
import type { GuardCounters } from "../shared/http.ts";
import { integer } from "./lib/cli-args.ts";
import { megabytes, serverRssBytes } from "./lib/process-memory.ts";
import { describeMachine, machineInfo } from "./lib/machine.ts";

const FLOOR_PROJECT = fileURLToPath(new URL("./floor-room", import.meta.url));
const ROOM = "soak";
const PUZZLE: PuzzleOptions = { imageId: "soak", imageWidth: 1600, imageHeight: 1000, pieceCount: MAX_PIECES, seed: 10 };
const RATE_HZ = 20;
/** One player leaves this often; half come back with their token, half are replaced by a newcomer. */
const CHURN_EVERY_MS = 5_000;
const RECONNECT_AFTER_MS = 1_000;
/** Memory is sampled this often. */
const SAMPLE_EVERY_MS = 10_000;

const program = new Command("soak")
  .description("A long game with join/leave/reconnect churn and a few abusive clients: workerd's memory and the players' ack p99 per minute, the floor room's share of the growth, and lost moves.")
  .addOption(new Option("--minutes <n>", "minutes of play").default(10).argParser(integer("--minutes", 1, 120)))
  .addOption(new Option("--players <n>", "players in the room").default(64).argParser(integer("--players", 2, 64)))
  .option("--json", "print JSON", false)
  .allowExcessArguments(false);

interface Minute {
  minute: number;
  rssBytes: number;
  floorRssBytes: number;
  sent: number;
  acked: number;
  ackP99Ms: number;
  socketsOpened: number;
  guard: GuardCounters | null;
}

async function main(): Promise<void> {
  program.parse();
  const flags = program.opts<{ minutes: number; players: number; json: boolean }>();
  const log = (line: string) => console.error(line);
  log(`machine: ${describeMachine(machineInfo())}`);
  const snapshot = snapshotProject();
  const persistDir = mkdtempSync(join(tmpdir(), "puzzle-rooms-soak-"));
  // Seats for the players and the abusive clients that join (the sleepers) too.
  const dev = await startPartykitDev({ cwd: snapshot.dir, persistDir, vars: { MAX_PLAYERS: String(flags.players + 8) } });
  const floor = await startPartykitDev({ cwd: FLOOR_PROJECT });
  const host = `127.0.0.1:${dev.port}`;
  const floorHost = `127.0.0.1:${floor.port}`;
  const clients: ProtocolClient[] = [];
  const records: SentAction[] = [];
  const until = new PlayTime(performance.now() + flags.minutes * 60_000);
  let socketsOpened = 0;
  const minutes: Minute[] = [];
  const floods: Array<AttackResult<"flood">> = [];
  const samples: Array<{ atS: number; rssBytes: number; floorRssBytes: number }> = [];
  try {
    const startMs = performance.now();
    const playing = new Set<Promise<void>>();
    const playTimes = new Map<ProtocolClient, PlayTime>();
    const join = async (name: string, index: number, token?: string): Promise<ProtocolClient> => {
      const client = await ProtocolClient.join({ host, room: ROOM, name, create: PUZZLE, token, keepEvents: false });
      socketsOpened++;
      clients.push(client);
      const time = new PlayTime(until.endAtMs);
      playTimes.set(client, time);
      const play = solve(
        { client, until: time, onSent: (record) => records.push(record) },
        { prng: createPrng(index * 7_919 + clients.length), rateHz: RATE_HZ, thinkMs: { min: 150, max: 600 }, moves: { minS: 0.4, maxS: 1.5 }, pick: { alone: true }, destination: awayFromBoard(0.05), awaitGrab: true, cursor: true },
      );
      playing.add(play);
      void play.finally(() => playing.delete(play));
      return client;
    };
    const seats: ProtocolClient[] = [];
    for (let index = 0; index < flags.players; index++) seats.push(await join(`Player ${index + 1}`, index));
    log(`${flags.players} players in; playing ${flags.minutes} min`);

    const churn = (async () => {
      const prng = createPrng(99);
      for (let round = 0; !until.over; round++) {
        await sleep(CHURN_EVERY_MS);
        if (until.over) break;
        const seat = Math.floor(prng() * seats.length);
        const leaving = seats[seat]!;
        // Leaves as a closed tab does, its socket gone (the room releases what it held); it waits for the answers
        // to what it sent first: an action applied but never acknowledged would leave the judge nothing to tell
        // a lost move from a later one.
        playTimes.get(leaving)!.stop();
        await leaving.settled(5_000).catch(() => undefined);
        leaving.close();
        await sleep(RECONNECT_AFTER_MS);
        if (until.over) break;
        try {
          seats[seat] = round % 2 === 0 ? await join(`Player ${seat + 1}`, seat, leaving.token) : await join(`Newcomer ${round}`, seat);
        } catch (error) {
          log(`  a player could not join again: ${String(error).slice(0, 200)}`);
        }
      }
    })();

    const abuse = (async () => {
      for (let minute = 0; !until.over; minute++) {
        await sleep(20_000);
        if (until.over) break;
        const attacks = await Promise.allSettled([
          runAttack("flood", { host, room: ROOM, durationMs: 2_000, rejoin: false }).then((flood) => floods.push(flood)),
          runAttack("sleepers", { host, room: ROOM, sockets: 3, durationMs: 20_000 }),
          runAttack("silentSockets", { host, room: ROOM, sockets: 50, waitMs: 15_000, players: false }),
        ]);
        socketsOpened += 1 + 3 + 50;
        const failed = attacks.filter((attack) => attack.status === "rejected");
        if (failed.length) log(`  abusive clients failed to run: ${failed.map((attack) => String((attack as PromiseRejectedResult).reason).slice(0, 200)).join("; ")}`);
        await sleep(Math.max(0, 60_000 * (minute + 1) - (performance.now() - startMs)));
      }
    })();

    // The floor room gets the same connection churn, minute by minute, so its memory shows the runtime's own share.
    let floorOpened = 0;
    const sampler = (async () => {
      let lastGuard: GuardCounters | null = null;
      for (let tick = 1; tick <= (flags.minutes * 60_000) / SAMPLE_EVERY_MS; tick++) {
        await sleep(Math.max(0, tick * SAMPLE_EVERY_MS - (performance.now() - startMs)));
        const mirrored = socketsOpened - floorOpened;
        if (mirrored > 0) {
          floorOpened += mirrored;
          await runAttack("churn", { host: floorHost, room: "receive-soak", sockets: mirrored, batch: 50 }).catch(() => undefined);
        }
        samples.push({ atS: Math.round((performance.now() - startMs) / 1000), rssBytes: serverRssBytes(dev.pid), floorRssBytes: serverRssBytes(floor.pid) });
        if ((tick * SAMPLE_EVERY_MS) % 60_000 !== 0) continue;
        const minute = (tick * SAMPLE_EVERY_MS) / 60_000;
        const fromMs = startMs + (minute - 1) * 60_000;
        const inMinute = records.filter((record) => record.sentAtMs >= fromMs && record.sentAtMs < fromMs + 60_000);
        const acked = inMinute.filter((record) => record.ackedAtMs !== undefined);
        const guard = (await fetchRoomLimits(dev.url, "main", ROOM).catch(() => null))?.guard ?? null;
        const figures: Minute = {
          minute,
          rssBytes: samples.at(-1)!.rssBytes,
          floorRssBytes: samples.at(-1)!.floorRssBytes,
          sent: inMinute.length,
          acked: acked.length,
          ackP99Ms: distribution(acked.map((record) => record.ackedAtMs! - record.sentAtMs)).p99,
          socketsOpened,
          guard: guard && lastGuard ? deltaOf(guard, lastGuard) : guard,
        };
        lastGuard = guard;
        minutes.push(figures);
        log(`  minute ${minute}: workerd ${megabytes(figures.rssBytes)} MB (floor ${megabytes(figures.floorRssBytes)} MB), ${figures.acked}/${figures.sent} acked, ack p99 ${figures.ackP99Ms.toFixed(0)} ms, ${socketsOpened} sockets so far`);
      }
    })();

    await Promise.allSettled([churn, abuse, sampler]);
    await Promise.allSettled([...playing]);
    await Promise.allSettled(clients.map((client) => client.settled(15_000)));
    const final = await fetchRoomState(dev.url, "main", ROOM);
    const judgement = judgeRun("stateful", [{ name: ROOM, clients, final: final.snapshot }]);
    // The flooders' pieces are left out: the flood close cut the acks of moves the room had applied (flood.ts).
    const flooded = new Set(floods.flatMap((flood) => flood.pieces));
    const lostPieces = judgement.lostMoves.lostPieces.filter((piece) => !flooded.has(piece.pieceId));
    // From the end of the first minute (the room warmed up), unless the run is shorter.
    const first = samples.find((sample) => sample.atS >= 60 && sample !== samples.at(-1)) ?? samples[0]!;
    const last = samples.at(-1)!;
    const roomGrowth = last.rssBytes - first.rssBytes;
    const floorGrowth = last.floorRssBytes - first.floorRssBytes;
    const report = {
      minutes,
      samples,
      growth: { roomBytes: roomGrowth, floorBytes: floorGrowth, roomOwnBytes: roomGrowth - floorGrowth, from: first.atS, to: last.atS },
      actions: judgement.actions,
      lostMoves: lostPieces.length,
      lostPieces,
      judgedPieces: judgement.lostMoves.judged,
      floodedPieces: flooded.size,
      socketsOpened,
    };
    if (flags.json) return console.log(JSON.stringify(report, null, 2));
    console.log("\n| minute | workerd MB | floor room MB | acked / sent | ack p99 ms | sockets opened so far | limits that minute |");
    console.log("| --- | --- | --- | --- | --- | --- | --- |");
    for (const minute of minutes) {
      const guard = minute.guard;
      const limits = guard ? `${guard.flooding} flood, ${guard.notReading} not reading, ${guard.helloTimeouts} no hello, ${guard.rateLimited} frames limited` : "-";
      console.log(`| ${minute.minute} | ${megabytes(minute.rssBytes)} | ${megabytes(minute.floorRssBytes)} | ${minute.acked} / ${minute.sent} | ${minute.ackP99Ms.toFixed(0)} | ${minute.socketsOpened} | ${limits} |`);
    }
    console.log(
      `\nworkerd grew ${megabytes(roomGrowth)} MB from ${first.atS} s to ${last.atS} s; the floor room, handed the same ${socketsOpened} sockets, grew ${megabytes(floorGrowth)} MB: the room's own share is ${megabytes(roomGrowth - floorGrowth)} MB`,
    );
    console.log(
      `${judgement.actions.acknowledged} of ${judgement.actions.sent} players' actions acknowledged (${judgement.actions.unanswered} unanswered); ${lostPieces.length} acknowledged moves lost of ${judgement.lostMoves.judged} pieces judged (the ${flooded.size} piece${flooded.size === 1 ? "" : "s"} the flooders moved left out)`,
    );
    if (lostPieces.length > 0) console.log(`lost: ${JSON.stringify(lostPieces.slice(0, 10))}`);
  } finally {
    for (const client of clients) client.close();
    await Promise.allSettled([dev.stop(), floor.stop()]);
    snapshot.remove();
    rmSync(persistDir, { recursive: true, force: true });
  }
}

function deltaOf(now: GuardCounters, before: GuardCounters): GuardCounters {
  return {
    rateLimited: now.rateLimited - before.rateLimited,
    flooding: now.flooding - before.flooding,
    notReading: now.notReading - before.notReading,
    helloTimeouts: now.helloTimeouts - before.helloTimeouts,
    tooManySockets: now.tooManySockets - before.tooManySockets,
  };
}

await main();
