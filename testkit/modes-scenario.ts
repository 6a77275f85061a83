/**
 * The integration workload for comparing the modes in one room, built from the
 * scripted `owner` and `contend` behaviours: OWNERS players each drag their own
 * piece along a circle at 20 Hz and drop it, while CONTENDERS more players keep
 * trying to take pieces from them. The judge (judge.ts) measures the outcome
 * against the final stored state, so a test can assert on measured loss; it
 * prints nothing itself.
 */
import { ProtocolClient } from "./protocol-client.ts";
import { judgeRun, type RunJudgement } from "./judge.ts";
import { fetchRoomState, httpBaseOf, type CreatedRoomState } from "./room-http.ts";
import { owner } from "./scripted/owner.ts";
import { contend } from "./scripted/contend.ts";
import { PlayTime, sleep } from "./scripted/play.ts";
import { createPrng } from "../shared/prng.ts";
import type { PuzzleOptions } from "../shared/puzzle-spec.ts";
import { PARTY_FOR_MODE, type Mode } from "../shared/protocol.ts";

export interface ModesScenarioOptions {
  /** host:port of a running partykit dev (or a deployed host). */
  host: string;
  mode: Mode;
  /** Players that each own one piece and drag it; default 16. */
  owners?: number;
  /** Players that try to take owned pieces; default 2. */
  contenders?: number;
  /** How long the owners drag; default 3,000 ms. */
  dragMs?: number;
  create?: PuzzleOptions;
}

export interface ModesScenarioResult {
  mode: Mode;
  judgement: RunJudgement;
  /** The server's GET ?state=1; `backend` only in the stateless modes. */
  summary: CreatedRoomState;
  /** Bytes both ways on every client's socket (welcomes included), per acknowledged action. */
  wireBytesPerAck: number;
  /** Bytes to and from the store, per acknowledged action (0 for the stateful room). */
  storeBytesPerAck: number;
}

/** Time for frames already sent to arrive once every action is answered. */
const PUSH_GRACE_MS = 300;
/** Owners hold every sixth piece, so owned pieces are rarely neighbours. */
const OWNED_PIECE_STRIDE = 6;
/** 100 pieces: small enough to start fast, big enough that the whole document is a few KB. */
const DEFAULT_CREATE: PuzzleOptions = { imageId: "modes", imageWidth: 800, imageHeight: 800, pieceCount: 100, seed: 7 };

/** Runs the scenario in a fresh room of `options.mode` and judges the result. */
export async function runModesScenario(options: ModesScenarioOptions): Promise<ModesScenarioResult> {
  const { host, mode } = options;
  const ownerCount = options.owners ?? 16;
  const contenderCount = options.contenders ?? 2;
  const dragMs = options.dragMs ?? 3_000;
  const party = PARTY_FOR_MODE[mode];
  const room = `modes-${mode}-${Date.now()}`;
  const first = await ProtocolClient.join({ host, room, party, name: "owner-0", create: options.create ?? DEFAULT_CREATE });
  const others = await Promise.all(
    Array.from({ length: ownerCount + contenderCount - 1 }, (_, index) =>
      ProtocolClient.join({ host, room, party, name: index + 1 < ownerCount ? `owner-${index + 1}` : `contender-${index + 1 - ownerCount}` }),
    ),
  );
  const clients = [first, ...others];
  try {
    const owners = clients.slice(0, ownerCount);
    const ownedPieces = owners.map((_, index) => (index * OWNED_PIECE_STRIDE) % first.replica!.puzzle.pieces.length);
    const until = new PlayTime(performance.now() + dragMs);
    await Promise.all([
      ...owners.map((client, index) => owner({ client, until }, { pieceId: ownedPieces[index]! })),
      ...clients.slice(ownerCount).map((client, index) => contend({ client, until }, { prng: createPrng(index + 1), pieces: ownedPieces })),
    ]);
    await Promise.all(clients.map((client) => client.settled(60_000)));
    await sleep(PUSH_GRACE_MS);

    const summary = await fetchRoomState(httpBaseOf(host), party, room);
    const judgement = judgeRun(mode, [{ name: room, clients, final: summary.snapshot }]);
    const { acknowledged } = judgement.actions;
    const store = summary.backend?.store;
    return {
      mode,
      judgement,
      summary,
      wireBytesPerAck: acknowledged ? (judgement.wire.bytesUp + judgement.wire.bytesDown) / acknowledged : Number.NaN,
      storeBytesPerAck: store && acknowledged ? (store.bytesIn + store.bytesOut) / acknowledged : 0,
    };
  } finally {
    for (const client of clients) client.close();
  }
}
