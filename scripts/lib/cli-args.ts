/**
 * Commander argument parsers shared by the scripts: a bad value is an
 * InvalidArgumentError naming the flag and what it accepts, so commander
 * prints it and exits non-zero before anything starts.
 */
import { InvalidArgumentError } from "commander";

export function integer(name: string, min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
}

export function decimal(name: string, min: number, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || value < min || value > max) {
      throw new InvalidArgumentError(`${name} must be a number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
}

/** Any finite number above zero (rates, durations). */
export function positive(name: string) {
  return (raw: string): number => {
    const value = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(value) || value <= 0) throw new InvalidArgumentError(`${name} must be a positive number, got "${raw}"`);
    return value;
  };
}

/** A comma-separated list, each item checked by `parse`. */
export function listOf<T>(parse: (raw: string) => T) {
  return (raw: string): T[] => raw.split(",").map((item) => parse(item.trim()));
}
