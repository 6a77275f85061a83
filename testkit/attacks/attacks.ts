/** Every attack a child process can run (attack-process.ts), by name. */
import { churn } from "./churn.ts";
import { flood } from "./flood.ts";
import { identity } from "./identity.ts";
import { names } from "./names.ts";
import { notReading } from "./not-reading.ts";
import { pictures } from "./pictures.ts";
import { roomFlood } from "./room-flood.ts";
import { silentSockets } from "./silent-sockets.ts";
import { sleepers } from "./sleepers.ts";
import { holdEverything, squat } from "./squat.ts";

export const ATTACKS = {
  churn,
  flood,
  notReading,
  silentSockets,
  sleepers,
  identity,
  squat,
  holdEverything,
  roomFlood,
  pictures,
  names,
};

export type AttackName = keyof typeof ATTACKS;
export type AttackOptions<N extends AttackName> = Parameters<(typeof ATTACKS)[N]>[0];
export type AttackResult<N extends AttackName> = Awaited<ReturnType<(typeof ATTACKS)[N]>>;
