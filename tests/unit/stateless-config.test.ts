/**
 * The store model's size settings: partykit.json vars validated at start,
 * load-script flags that become those vars.
 */
import { describe, expect, it } from "vitest";
import { DEFAULT_STATELESS_CONFIG, readStatelessConfig } from "../../party/stateless/config.ts";
import { parseLoadArgs } from "../../scripts/lib/load-config.ts";
import { varsFor } from "../../scripts/lib/mode-settings.ts";
import partykit from "../../partykit.json" with { type: "json" };

describe("the store model's settings", () => {
  it("partykit.json's vars are the defaults, and size costs no time by default (the integration tests' timing)", () => {
    expect(readStatelessConfig(partykit.vars)).toEqual(DEFAULT_STATELESS_CONFIG);
    expect(DEFAULT_STATELESS_CONFIG).toMatchObject({ storeBandwidthMbps: 0, storeItemBytes: 400_000, storePadBytes: 0 });
  });

  it("reads the case study's shape from the vars", () => {
    const config = readStatelessConfig({ STORE_BANDWIDTH_MBPS: "100", STORE_ITEM_BYTES: "400000", STORE_PAD_BYTES: "4000000" });
    expect(config).toMatchObject({ storeBandwidthMbps: 100, storeItemBytes: 400_000, storePadBytes: 4_000_000 });
  });

  it.each([
    ["STORE_ITEM_BYTES", "0"],
    ["STORE_BANDWIDTH_MBPS", "-1"],
    ["STORE_PAD_BYTES", "lots"],
  ])("refuses %s=%s naming it", (name, value) => {
    expect(() => readStatelessConfig({ [name]: value })).toThrow(name);
  });

  it("the load script's flags become the vars", () => {
    const config = parseLoadArgs(["--mode", "stateless", "--store-bandwidth-mbps", "100", "--store-item-bytes", "400000", "--store-pad-bytes", "4000000"]);
    expect(varsFor(config.settings)).toEqual({ STORE_BANDWIDTH_MBPS: "100", STORE_ITEM_BYTES: "400000", STORE_PAD_BYTES: "4000000" });
  });
});
