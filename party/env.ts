/** Reads a positive integer setting from partykit.json vars or `--var`, with a default. */
export function readPositiveInteger(env: Record<string, unknown>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`setting ${name} must be a positive integer, got ${String(raw)}`);
  return value;
}
