/**
 * Attacks 7 and 8 of issue 10: hostile names (a right-to-left override,
 * invisible characters, control characters, a lone surrogate, a copy of another
 * player's name) and room ids no room should have (every party must refuse the
 * same ids with the same sentence, over HTTP and WebSocket alike).
 */
import { PARTY_FOR_MODE, MODES } from "../../shared/protocol.ts";
import { RawSocket } from "../raw-socket.ts";
import { httpBaseOf } from "../room-http.ts";
import { GOOD_PUZZLE } from "./good-players.ts";

/** Each hostile name, and a label for it (the names themselves do not print well). */
export const HOSTILE_NAMES: ReadonlyArray<[string, string]> = [
  ["right-to-left override", "Ann\u202Egnp.exe"],
  ["only invisible characters", "\u200B\u2060\uFEFF"],
  ["control characters", "Bob\u0000\u0007\u001B[31m"],
  ["a lone surrogate", "Eve\uD800"],
  ["blank after trimming", "  \t  "],
  ["Hangul fillers only", "\u3164\u3164"],
  ["decomposed accents (NFD)", "Zoe\u0308"],
  ["a copy of another player's name", "Host"],
  ["the same name in other case", "HOST"],
  ["40 visible characters", "x".repeat(40)],
  ["32 emoji (64 UTF-16 units)", "🧩".repeat(32)],
];

export interface NameOutcome {
  label: string;
  /** The name others see, or null when refused. */
  shown: string | null;
  /** The refusal's sentence and close code, when refused. */
  refusal: string | null;
  closeCode: number | null;
}

export interface RoomIdOutcome {
  party: string;
  http: { status: number; error: string | null };
  /** The WebSocket upgrade was refused (nothing was opened). */
  socketRefused: boolean;
}

export interface NamesResult {
  names: NameOutcome[];
  roomIds: RoomIdOutcome[];
}

export interface NamesOptions {
  host: string;
  room: string;
}

export async function names(options: NamesOptions): Promise<NamesResult> {
  const { host, room } = options;
  const hostPlayer = new RawSocket({ host, room, answerHeartbeats: true });
  await hostPlayer.open();
  hostPlayer.hello("Host", { create: GOOD_PUZZLE });
  await hostPlayer.welcomed();
  const outcomes: NameOutcome[] = [];
  for (const [label, name] of HOSTILE_NAMES) {
    const socket = new RawSocket({ host, room, answerHeartbeats: true });
    await socket.open();
    socket.hello(name);
    try {
      const welcome = await socket.welcomed(5_000);
      const me = welcome.snapshot.players.find((player) => player.id === welcome.playerId);
      outcomes.push({ label, shown: me?.name ?? null, refusal: null, closeCode: null });
    } catch {
      const closed = await Promise.race([socket.whenClosed(), new Promise<null>((resolve) => setTimeout(() => resolve(null), 2_000))]);
      const error = socket.messages.find((message) => message.type === "error");
      outcomes.push({ label, shown: null, refusal: error?.type === "error" ? error.message : null, closeCode: closed?.code ?? null });
    }
    socket.close();
  }
  hostPlayer.close();

  const longId = "r".repeat(300);
  const base = httpBaseOf(host);
  const roomIds: RoomIdOutcome[] = [];
  for (const mode of MODES) {
    const party = PARTY_FOR_MODE[mode];
    const response = await fetch(`${base}/parties/${party}/${longId}`);
    const body = (await response.json().catch(() => null)) as { error?: string } | null;
    const socket = new RawSocket({ host, room: longId, party });
    const socketRefused = await socket.open().then(
      () => false,
      () => true,
    );
    socket.close();
    roomIds.push({ party, http: { status: response.status, error: body?.error ?? null }, socketRefused });
  }
  return { names: outcomes, roomIds };
}
