/**
 * Settings of the stateless backends, read from partykit.json `vars` (override
 * any of them with `partykit dev --var NAME=value`). Every value is checked once
 * at start-up so a typo fails loudly instead of silently changing a benchmark.
 */
import { readFraction, readNonNegativeInteger, readPositiveInteger } from "../common/env.ts";
import type { StatelessConfig } from "../../shared/http.ts";

export type { StatelessConfig } from "../../shared/http.ts";

export const DEFAULT_STATELESS_CONFIG: StatelessConfig = {
  storeLatencyMs: 40,
  storeJitterMs: 10,
  coldStartMs: 1_200,
  coldStartRate: 0.01,
  fnPoolSize: 8,
  occMaxRetries: 5,
  occBackoffMs: 20,
  // Size-neutral defaults keep the integration tests' timing and the published figures:
  // the case study's shape is `--store-bandwidth-mbps 100 --store-pad-bytes 4000000` (docs/modes.md).
  storeBandwidthMbps: 0,
  storeItemBytes: 400_000,
  storePadBytes: 0,
};

/** Reads and validates every stateless setting; throws naming the bad variable. */
export function readStatelessConfig(env: Record<string, unknown>): StatelessConfig {
  const defaults = DEFAULT_STATELESS_CONFIG;
  return {
    storeLatencyMs: readNonNegativeInteger(env, "STORE_LATENCY_MS", defaults.storeLatencyMs),
    storeJitterMs: readNonNegativeInteger(env, "STORE_JITTER_MS", defaults.storeJitterMs),
    coldStartMs: readNonNegativeInteger(env, "COLD_START_MS", defaults.coldStartMs),
    coldStartRate: readFraction(env, "COLD_START_RATE", defaults.coldStartRate),
    fnPoolSize: readPositiveInteger(env, "FN_POOL_SIZE", defaults.fnPoolSize),
    occMaxRetries: readNonNegativeInteger(env, "OCC_MAX_RETRIES", defaults.occMaxRetries),
    occBackoffMs: readNonNegativeInteger(env, "OCC_BACKOFF_MS", defaults.occBackoffMs),
    storeBandwidthMbps: readNonNegativeInteger(env, "STORE_BANDWIDTH_MBPS", defaults.storeBandwidthMbps),
    storeItemBytes: readPositiveInteger(env, "STORE_ITEM_BYTES", defaults.storeItemBytes),
    storePadBytes: readNonNegativeInteger(env, "STORE_PAD_BYTES", defaults.storePadBytes),
  };
}
