/**
 * The limits are settings: partykit.json lists every one with the value the
 * code defaults to (so the file documents what runs), and a bad value stops the
 * party with a message naming the variable.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  CONNECTION_LIMIT_VARS,
  DEFAULT_CONNECTION_LIMITS,
  DEFAULT_QUOTAS,
  DEFAULT_STILL_HOLD_MAX_MS,
  QUOTA_VARS,
  readConnectionLimits,
  readQuotas,
} from "../../party/common/limits.ts";

const vars = (JSON.parse(readFileSync(new URL("../../partykit.json", import.meta.url), "utf8")) as { vars: Record<string, string> }).vars;

describe("limit settings", () => {
  it("partykit.json names every limit with its default", () => {
    for (const [key, name] of Object.entries(CONNECTION_LIMIT_VARS)) expect(vars[name], name).toBe(String(DEFAULT_CONNECTION_LIMITS[key as keyof typeof DEFAULT_CONNECTION_LIMITS]));
    for (const [key, name] of Object.entries(QUOTA_VARS)) expect(vars[name], name).toBe(String(DEFAULT_QUOTAS[key as keyof typeof DEFAULT_QUOTAS]));
    expect(vars.STILL_HOLD_MAX_MS).toBe(String(DEFAULT_STILL_HOLD_MAX_MS));
    expect(readConnectionLimits(vars)).toEqual(DEFAULT_CONNECTION_LIMITS);
    expect(readQuotas(vars)).toEqual(DEFAULT_QUOTAS);
  });

  it("reads a value from the env, and refuses one that is not a positive integer", () => {
    expect(readConnectionLimits({ ACTIONS_PER_S: "1000" }).actionsPerS).toBe(1_000);
    expect(() => readConnectionLimits({ ACTION_BURST: "-1" })).toThrow(/setting ACTION_BURST must be a positive integer, got -1/);
    expect(() => readQuotas({ LOADED_PIECES_BUDGET: "lots" })).toThrow(/setting LOADED_PIECES_BUDGET must be a positive integer/);
  });
});
