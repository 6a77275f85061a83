/**
 * One scripted concurrent workload (scripts/lib/modes-workload.ts: 16 players
 * each dragging their own piece at 20 Hz for 3 s and dropping it, 2 more trying
 * to take pieces from them) against every mode through one real `partykit dev`.
 * The verdict compares the final stored state with every client's acknowledged
 * moves and every client's replica with that state, so it measures loss
 * instead of assuming it: the stateful room and the optimistic-concurrency
 * backend must lose nothing, the naive stateless backend must be caught losing.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startPartykitDev, type PartykitDev } from "../../scripts/lib/partykit-dev.ts";
import { snapshotProject, type ProjectSnapshot } from "../../scripts/lib/project-snapshot.ts";
import { runModesWorkload, type ModesWorkloadResult } from "../../scripts/lib/modes-workload.ts";
import type { Mode } from "../../shared/protocol.ts";

const OWNERS = 16;

/**
 * Small but real distances: every store trip waits 8-12 ms and some calls boot,
 * so a read and its write are ~25 ms apart while 300+ actions per second flow.
 * Nothing here decides who wins a race; only timing does.
 */
const VARS = {
  STORE_LATENCY_MS: "8",
  STORE_JITTER_MS: "4",
  COLD_START_MS: "100",
  COLD_START_RATE: "0.02",
  FN_POOL_SIZE: "4",
  OCC_MAX_RETRIES: "8",
  OCC_BACKOFF_MS: "10",
};

let server: PartykitDev;
/** A frozen copy: an edit or a client build elsewhere must not restart the server mid-run. */
let project: ProjectSnapshot;

beforeAll(async () => {
  project = snapshotProject();
  server = await startPartykitDev({ cwd: project.dir, vars: VARS });
});

afterAll(async () => {
  // A failed function invocation answers nobody; its error is only in the server's log.
  const problems = server?.output().split("\n").filter((line) => /error|exception|failed/i.test(line));
  if (problems?.length) console.log(`partykit dev reported:\n${problems.slice(-20).join("\n")}`);
  await server?.stop();
  project?.remove();
});

async function run(mode: Mode): Promise<ModesWorkloadResult> {
  const result = await runModesWorkload({ host: `127.0.0.1:${server.port}`, mode, owners: OWNERS });
  report(result);
  return result;
}

describe("the same concurrent workload against every mode", () => {
  test("stateful: no acknowledged move is lost and every client converges", async () => {
    const result = await run("stateful");
    expect(result.acked).toBeGreaterThan(OWNERS * 20);
    expect(result.verdict.judged).toBe(OWNERS);
    expect(result.verdict.lostPieces).toEqual([]);
    expect(result.desyncPerClient.every((pieces) => pieces === 0)).toBe(true);
  });

  test("stateless: the read-modify-write race loses acknowledged moves and desyncs clients", async () => {
    const result = await run("stateless");
    const { functions, store } = result.summary.backend!;
    expect(functions.failures).toBe(0);
    expect(functions.retries).toBe(0);
    // The store's own view of the race: writes built on a revision already overwritten.
    expect(store.staleWrites).toBeGreaterThan(0);
    expect(result.verdict.judged).toBeGreaterThan(0);
    expect(result.verdict.lost).toBeGreaterThan(0);
    expect(Math.max(...result.desyncPerClient)).toBeGreaterThan(0);
  });

  test("stateless-occ: version checks lose nothing, at the price of retries", async () => {
    const result = await run("stateless-occ");
    const { functions, store } = result.summary.backend!;
    expect(functions.failures).toBe(0);
    expect(result.verdict.judged).toBeGreaterThan(0);
    expect(result.verdict.lostPieces).toEqual([]);
    expect(functions.retries).toBeGreaterThan(0);
    expect(store.conflicts).toBeGreaterThan(0);
    expect(store.staleWrites).toBe(0);
  });
});

/** Figures for people, never assertions: this machine is shared and noisy. */
function report(result: ModesWorkloadResult): void {
  const figures = {
    mode: result.mode,
    sent: result.sent,
    acked: result.acked,
    rejectReasons: result.rejectReasons,
    lostPieces: `${result.verdict.lost}/${result.verdict.judged}`,
    desyncedPiecesPerClient: result.desyncPerClient.reduce((total, pieces) => total + pieces, 0) / result.desyncPerClient.length,
    ackP50Ms: Math.round(result.ackLatencyMs.p50),
    ackP99Ms: Math.round(result.ackLatencyMs.p99),
    wireBytesPerAck: Math.round(result.wireBytesPerAck),
    storeBytesPerAck: Math.round(result.storeBytesPerAck),
    functions: result.summary.backend?.functions,
    staleWrites: result.summary.backend && `${result.summary.backend.store.staleWrites}/${result.summary.backend.store.writes}`,
  };
  console.log(`[modes] ${JSON.stringify(figures)}`);
}
