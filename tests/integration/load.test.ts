/**
 * The load and compare scripts through their real entry points, each against
 * its own partykit dev: a few seconds per mode, and the figures they print are
 * checked against what each mode must (and must not) do.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import type { LoadResult } from "../../scripts/lib/load-run.ts";
import type { CompareData } from "../../scripts/lib/compare-report.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = join(ROOT, "node_modules/.bin/tsx");

function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [join(ROOT, "scripts", script), ...args], { cwd: ROOT, maxBuffer: 64 * 2 ** 20, timeout: 110_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.concurrent("load script", () => {
  test("every mode: stateful loses nothing, stateless loses moves, optimistic concurrency loses nothing and retries", async () => {
    const { code, stdout, stderr } = await run("load.ts", ["--mode", "all", "--players", "8", "--rate", "20", "--duration", "4", "--pieces", "64", "--contention", "0.3", "--seed", "5", "--json"]);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as LoadResult;
    const [stateful, stateless, occ] = result.runs;
    expect(result.runs.map((figures) => figures.mode)).toEqual(["stateful", "stateless", "stateless-occ"]);

    expect(stateful!.actions.sent).toBeGreaterThan(100);
    expect(stateful!.actions.unanswered).toBe(0);
    expect(stateful!.lostMoves.judgedPieces).toBeGreaterThan(0);
    expect(stateful!.lostMoves.lost).toBe(0);
    expect(stateful!.desync.clientsDesynced).toBe(0);
    expect(stateful!.ackLatencyMs.count).toBe(stateful!.actions.acknowledged);
    expect(stateful!.serverCpu!.perActionUs).toBeGreaterThan(0);
    expect(stateful!.store).toBeNull();

    expect(stateless!.actions.acknowledged).toBeGreaterThan(0);
    expect(stateless!.lostMoves.lost).toBeGreaterThan(0);
    expect(stateless!.store!.bytesReadPerAction).toBeGreaterThan(0);

    expect(occ!.actions.acknowledged).toBeGreaterThan(0);
    expect(occ!.lostMoves.judgedPieces).toBeGreaterThan(0);
    expect(occ!.lostMoves.lost).toBe(0);
    expect(occ!.retries).toBeGreaterThan(0);

    expect(result.total.actions.sent).toBe(stateful!.actions.sent + stateless!.actions.sent + occ!.actions.sent);
    expect(result.total.lostMoves.lost).toBe(stateless!.lostMoves.lost);
  });

  test("bad flags get a clear error and a non-zero exit, without starting anything", async () => {
    const badMode = await run("load.ts", ["--mode", "serverless"]);
    expect(badMode.code).not.toBe(0);
    expect(badMode.stderr).toMatch(/unknown mode "serverless"/);
    const badRooms = await run("load.ts", ["--rooms", "0", "--json"]);
    expect(badRooms.code).not.toBe(0);
    expect(badRooms.stderr).toMatch(/--rooms must be an integer from 1/);
    expect(badRooms.stdout).toBe("");
    const help = await run("load.ts", ["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/--store-latency-ms/);
  });

  test("bench:floor measures the runtime's own cost per move, and refuses unknown behaviours", async () => {
    const bad = await run("bench-floor.ts", ["--behaviours", "receive,teleport"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown behaviour "teleport"/);
    const { code, stdout, stderr } = await run("bench-floor.ts", ["--behaviours", "receive,echo", "--clients", "4", "--rate", "20", "--duration", "2", "--runs", "1", "--json"]);
    expect(code, stderr).toBe(0);
    const { results } = JSON.parse(stdout) as { results: Array<{ behaviour: string; movesPerS: number; framesPerClientPerS: number; cpuPerMoveUs: number; ownEchoMs: { count: number } | null }> };
    const [receive, echo] = results;
    expect(receive).toMatchObject({ behaviour: "receive", framesPerClientPerS: 0, ownEchoMs: null });
    expect(receive!.cpuPerMoveUs).toBeGreaterThan(0);
    // Four clients at 20 Hz for 2 s: about 160 moves, every one echoed to its sender.
    expect(echo!.movesPerS).toBeGreaterThan(40);
    expect(echo!.framesPerClientPerS).toBeGreaterThan(10);
    expect(echo!.ownEchoMs!.count).toBeGreaterThan(100);
  });

  test("compare writes a self-contained report holding the runs' numbers", async () => {
    const dir = mkdtempSync(join(tmpdir(), "compare-test-"));
    const html = join(dir, "report.html");
    const json = join(dir, "figures.json");
    const { code, stderr } = await run("compare.ts", ["--players", "3", "--pieces", "36", "--duration", "2", "--out", html, "--json", json]);
    expect(code, stderr).toBe(0);
    const data = JSON.parse(readFileSync(json, "utf8")) as CompareData;
    expect(data.runs.map((run) => run.figures.mode)).toEqual(["stateful", "stateless", "stateless-occ"]);
    const page = readFileSync(html, "utf8");
    expect(page).not.toMatch(/<script[^>]+src=/);
    expect(page).toMatch(/Chart\.js v4/);
    expect(page).toContain("monthlyCosts");
    const embedded = JSON.parse(/<script type="application\/json" id="report-data">([\s\S]*?)<\/script>/.exec(page)![1]!) as { data: CompareData };
    expect(embedded.data.runs).toEqual(data.runs);
    expect(embedded.data.runs[0]!.figures.actions.acknowledged).toBeGreaterThan(0);
  });
});
