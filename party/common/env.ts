/**
 * Settings from partykit.json vars (or `partykit dev --var NAME=value`, or the
 * deployed project's env). Every value is checked when a party starts, so a
 * typo fails loudly, naming the variable, instead of silently changing a benchmark.
 */

/** A positive integer, with a default. */
export function readPositiveInteger(env: Record<string, unknown>, name: string, fallback: number): number {
  return readNumber(env, name, fallback, (value) => Number.isInteger(value) && value > 0, "a positive integer");
}

/** An integer >= 0 (a latency of 0 is a legitimate "same region" setting). */
export function readNonNegativeInteger(env: Record<string, unknown>, name: string, fallback: number): number {
  return readNumber(env, name, fallback, (value) => Number.isInteger(value) && value >= 0, "an integer >= 0");
}

/** An integer from `min` to `max`, with a default. */
export function readIntegerInRange(env: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  return readNumber(env, name, fallback, (value) => Number.isInteger(value) && value >= min && value <= max, `an integer from ${min} to ${max}`);
}

/** A number in [0, 1], e.g. a rate. */
export function readFraction(env: Record<string, unknown>, name: string, fallback: number): number {
  return readNumber(env, name, fallback, (value) => Number.isFinite(value) && value >= 0 && value <= 1, "a number from 0 to 1");
}

/** "true" or "false", with a default. */
export function readBoolean(env: Record<string, unknown>, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === true || raw === "true") return true;
  if (raw === false || raw === "false") return false;
  throw new Error(`setting ${name} must be true or false, got ${String(raw)}`);
}

function readNumber(env: Record<string, unknown>, name: string, fallback: number, valid: (value: number) => boolean, what: string): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!valid(value)) throw new Error(`setting ${name} must be ${what}, got ${String(raw)}`);
  return value;
}
