import { describe, expect, test } from "vitest";
import { FanOutTracker } from "../../scripts/lib/fan-out.ts";
import { distribution, histogram, median, percentile } from "../../testkit/stats.ts";
import { cpuDelta, parseProcStat } from "../../scripts/lib/process-cpu.ts";
import { DEFAULT_PRICES, monthlyCosts, type MeasuredInputs } from "../../scripts/lib/cost-model.ts";

describe("fan-out", () => {
  test("a move counts once every other player saw it, or a later position of the piece", () => {
    const tracker = new FanOutTracker();
    tracker.sent(3, 1, 1, 100, "a", ["a", "b", "c"]);
    tracker.sent(3, 2, 2, 110, "a", ["a", "b", "c"]);
    tracker.observed("b", 3, 1, 1, 120);
    tracker.observed("c", 3, 2, 2, 130); // c's frame skipped (1,1): batching
    expect(tracker.latenciesMs).toEqual([30]);
    expect(tracker.incomplete()).toBe(1);
    tracker.observed("b", 3, 2, 2, 150);
    expect(tracker.latenciesMs).toEqual([30, 40]);
    expect(tracker.incomplete()).toBe(0);
  });

  test("a move that changes nothing is not waited for", () => {
    const tracker = new FanOutTracker();
    tracker.sent(0, 5, 5, 0, "a", ["a", "b"]);
    tracker.sent(0, 5, 5, 10, "a", ["a", "b"]);
    tracker.observed("b", 0, 5, 5, 20);
    expect(tracker.latenciesMs).toEqual([20]);
    expect(tracker.incomplete()).toBe(0);
  });
});

describe("stats", () => {
  test("nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(distribution([3, 1, 2])).toMatchObject({ count: 3, p50: 2, max: 3, mean: 2 });
    expect(Number.isNaN(distribution([]).p99)).toBe(true);
    expect(median([5, 1, 3, Number.NaN])).toBe(3);
    expect(histogram([0.5, 1.5, 99_999], [1, 2, 10]).counts).toEqual([1, 1, 1]);
  });
});

describe("server CPU from /proc", () => {
  test("parses stat lines with odd command names and splits server from tooling", () => {
    const line = "4242 (npm exec (x) y) S 1 4200 4200 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 0 0";
    expect(parseProcStat(line)).toMatchObject({ pid: 4242, command: "npm exec (x) y", processGroup: 4200, utimeTicks: 250, stimeTicks: 50 });
    const delta = cpuDelta(
      [{ pid: 1, command: "workerd", cpuMs: 100 }, { pid: 2, command: "node", cpuMs: 10 }],
      [{ pid: 1, command: "workerd", cpuMs: 350 }, { pid: 2, command: "node", cpuMs: 30 }, { pid: 3, command: "esbuild", cpuMs: 5 }],
    );
    expect(delta).toEqual({ serverMs: 250, toolingMs: 25, byCommand: { workerd: 250, node: 20, esbuild: 5 }, serverRestarted: false });
    expect(cpuDelta([{ pid: 1, command: "workerd", cpuMs: 100 }], [{ pid: 7, command: "workerd", cpuMs: 20 }]).serverRestarted).toBe(true);
  });
});

describe("cost model", () => {
  const measured: MeasuredInputs = { statefulCpuUs: 50, statelessCpuUs: 5_000, statelessFunctionMs: 200, statefulEgressBytes: 500, statelessEgressBytes: 800, storeBytes: 20_000, storeOpsPerAction: 2, storeReadUnitsPerAction: 5, storeWriteUnitsPerAction: 20, framesPerAction: 8 };
  test("the estimate follows the measured inputs and the prices", () => {
    const [vm, faas, edge] = monthlyCosts(measured, DEFAULT_PRICES);
    expect(vm!.totalUsd).toBeGreaterThan(0);
    const doubled = monthlyCosts({ ...measured, storeBytes: 40_000 }, DEFAULT_PRICES)[1]!;
    const transfer = (cost: typeof faas) => cost!.lines.find((line) => line.label === "Store transfer")!.usd;
    expect(transfer(doubled)).toBeCloseTo(2 * transfer(faas));
    const pricier = monthlyCosts(measured, { ...DEFAULT_PRICES, edgeUsdPerMillionGbS: 2 * DEFAULT_PRICES.edgeUsdPerMillionGbS })[2]!;
    expect(pricier.totalUsd).toBeGreaterThan(edge!.totalUsd);
    const moreCpu = monthlyCosts({ ...measured, statefulCpuUs: 50_000 }, DEFAULT_PRICES)[0]!;
    expect(moreCpu.totalUsd).toBeGreaterThan(vm!.totalUsd);
  });
});
