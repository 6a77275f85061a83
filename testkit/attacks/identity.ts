/**
 * Attack 3 of issue 10: two sockets with the same connection id (`_pk`). Before,
 * sessions were keyed by it: a second socket took over the first one's session,
 * and a close of either deleted whichever was in the map, so an honest tab that
 * reconnected before the server saw its old socket close became a silent
 * zombie, and someone who learnt a player's `_pk` could act as that player.
 * Now each socket is its own session and only a resume token makes a socket a
 * given player.
 */
import type { ServerMessage } from "../../shared/protocol.ts";
import { RawSocket } from "../raw-socket.ts";
import { sleep } from "../scripted/play.ts";
import { GOOD_PUZZLE } from "./good-players.ts";

export interface IdentityOptions {
  host: string;
  room: string;
  /** Fast reconnects to try. */
  tries: number;
}

export interface IdentityResult {
  tries: number;
  /** Reconnected sockets that got no answer to a move: zombies. */
  zombies: number;
  /** Takeover: the attacker with the victim's `_pk` but no token... */
  takeover: {
    /** ...joined as a player of its own (not as the victim). */
    joinedAsOther: boolean;
    /** ...had its moves of the victim's held piece refused. */
    movesRefused: number;
    movesTried: number;
    /** The victim's socket stayed open and kept getting acks. */
    victimServed: boolean;
  };
}

let seq = 1000;

function move(socket: RawSocket, pieceId: number, x: number, y: number): number {
  const mySeq = seq++;
  socket.send(JSON.stringify({ type: "move", seq: mySeq, pieceId, x, y }));
  return mySeq;
}

function grab(socket: RawSocket, pieceId: number): number {
  const mySeq = seq++;
  socket.send(JSON.stringify({ type: "grab", seq: mySeq, pieceId }));
  return mySeq;
}

/** The ack or reject of `mySeq`, if one came within `timeoutMs`. */
async function answerTo(socket: RawSocket, mySeq: number, timeoutMs = 3_000): Promise<"ack" | "reject" | null> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    for (const message of socket.messages as ServerMessage[]) {
      if (message.type !== "batch") continue;
      for (const event of message.events) if ((event.type === "ack" || event.type === "reject") && event.seq === mySeq) return event.type;
    }
    await sleep(20);
  }
  return null;
}

export async function identity(options: IdentityOptions): Promise<IdentityResult> {
  const { host, room } = options;
  const creator = new RawSocket({ host, room, answerHeartbeats: true });
  await creator.open();
  creator.hello("Creator", { create: GOOD_PUZZLE });
  await creator.welcomed();

  // A tab reconnects (same _pk, its token) before the server has seen its old socket go; then the old one drops.
  let zombies = 0;
  for (let attempt = 0; attempt < options.tries; attempt++) {
    const connectionId = `tab-${attempt}-${crypto.randomUUID()}`;
    const first = new RawSocket({ host, room, connectionId, answerHeartbeats: true });
    await first.open();
    first.hello(`Tab ${attempt}`);
    const { token } = await first.welcomed();
    const pieceId = 10 + (attempt % 80);
    await answerTo(first, grab(first, pieceId));
    const second = new RawSocket({ host, room, connectionId, answerHeartbeats: true });
    await second.open();
    second.hello(`Tab ${attempt}`, { token });
    await second.welcomed();
    // Half the tries drop the old socket before the new one acts, half after.
    if (attempt % 2 === 0) first.cut();
    const answer = await answerTo(second, grab(second, pieceId));
    if (attempt % 2 === 1) first.cut();
    const moved = await answerTo(second, move(second, pieceId, 50 + attempt, 60));
    if (answer === null || moved !== "ack") zombies++;
    second.close();
  }

  // Someone who learnt the victim's _pk connects with it, without the victim's token.
  const victimId = `victim-${crypto.randomUUID()}`;
  const victim = new RawSocket({ host, room, connectionId: victimId, answerHeartbeats: true });
  await victim.open();
  victim.hello("Victim");
  const victimWelcome = await victim.welcomed();
  const held = 95;
  await answerTo(victim, grab(victim, held));
  const attacker = new RawSocket({ host, room, connectionId: victimId, answerHeartbeats: true });
  await attacker.open();
  attacker.hello("Victim");
  const attackerWelcome = await attacker.welcomed();
  let movesRefused = 0;
  const movesTried = 5;
  for (let index = 0; index < movesTried; index++) if ((await answerTo(attacker, move(attacker, held, 300 + index, 300))) === "reject") movesRefused++;
  const victimServed = !victim.closed && (await answerTo(victim, move(victim, held, 20, 20))) === "ack";
  for (const socket of [victim, attacker, creator]) socket.close();
  return {
    tries: options.tries,
    zombies,
    takeover: { joinedAsOther: attackerWelcome.playerId !== victimWelcome.playerId, movesRefused, movesTried, victimServed },
  };
}
