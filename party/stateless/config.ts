/**
 * Settings of the stateless backends, read from partykit.json `vars` (override
 * any of them with `partykit dev --var NAME=value`). Every value is checked once
 * at start-up so a typo fails loudly instead of silently changing a benchmark.
 */
import { readPositiveInteger } from "../env.ts";

export interface StatelessConfig {
  /** One-way network delay between a function and the store (the far-away region). */
  storeLatencyMs: number;
  /** Extra one-way delay drawn uniformly from [0, jitter] per trip. */
  storeJitterMs: number;
  /** How long a fresh function instance takes to boot before serving. */
  coldStartMs: number;
  /** Share of invocations that land on a freshly booted instance (0..1). */
  coldStartRate: number;
  /** Function instances the hub spreads invocations over. */
  fnPoolSize: number;
  /** stateless-occ: how many times a conflicting write is retried before the action is rejected. */
  occMaxRetries: number;
  /** stateless-occ: base of the exponential backoff between retries. */
  occBackoffMs: number;
}

export const DEFAULT_STATELESS_CONFIG: StatelessConfig = {
  storeLatencyMs: 40,
  storeJitterMs: 10,
  coldStartMs: 1_200,
  coldStartRate: 0.01,
  fnPoolSize: 8,
  occMaxRetries: 5,
  occBackoffMs: 20,
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
  };
}

/** An integer >= 0 (a latency of 0 is a legitimate "same region" setting). */
export function readNonNegativeInteger(env: Record<string, unknown>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`setting ${name} must be an integer >= 0, got ${String(raw)}`);
  return value;
}

/** A number in [0, 1], e.g. a rate. */
export function readFraction(env: Record<string, unknown>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0 || value > 1) throw new Error(`setting ${name} must be a number from 0 to 1, got ${String(raw)}`);
  return value;
}
