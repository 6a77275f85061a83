/**
 * The settings the modes differ in, as load-script flags and as the partykit.json
 * vars the server reads. A setting left unset keeps the server's own default.
 */

export interface ModeSettings {
  storeLatencyMs?: number;
  storeJitterMs?: number;
  coldStartMs?: number;
  /** Fraction (0..1) of fresh function instances that pay the cold start. */
  coldStartRate?: number;
  poolSize?: number;
  occRetries?: number;
  occBackoffMs?: number;
  /** The store model's size settings (party/stateless/store-client.ts). */
  storeBandwidthMbps?: number;
  storeItemBytes?: number;
  storePadBytes?: number;
  maxPlayers?: number;
  /** The connection limits (party/common/limits.ts); only the benchmarks raise them (bench:room to measure the room past them, bench:client for its pre-solve). */
  actionsPerS?: number;
  actionBurst?: number;
  maxUnreadBytes?: number;
}

/** partykit.json var for each setting (party/stateless/config.ts and party/env.ts read them). */
export const MODE_SETTING_VARS: Record<keyof ModeSettings, string> = {
  storeLatencyMs: "STORE_LATENCY_MS",
  storeJitterMs: "STORE_JITTER_MS",
  coldStartMs: "COLD_START_MS",
  coldStartRate: "COLD_START_RATE",
  poolSize: "FN_POOL_SIZE",
  occRetries: "OCC_MAX_RETRIES",
  occBackoffMs: "OCC_BACKOFF_MS",
  storeBandwidthMbps: "STORE_BANDWIDTH_MBPS",
  storeItemBytes: "STORE_ITEM_BYTES",
  storePadBytes: "STORE_PAD_BYTES",
  maxPlayers: "MAX_PLAYERS",
  actionsPerS: "ACTIONS_PER_S",
  actionBurst: "ACTION_BURST",
  maxUnreadBytes: "MAX_UNREAD_BYTES",
};

/** The `--var` values for a local `partykit dev` with these settings. */
export function varsFor(settings: ModeSettings): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const key of Object.keys(MODE_SETTING_VARS) as Array<keyof ModeSettings>) {
    const value = settings[key];
    if (value !== undefined) vars[MODE_SETTING_VARS[key]] = String(value);
  }
  return vars;
}
