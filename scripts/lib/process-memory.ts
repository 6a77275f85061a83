/**
 * Resident memory of a local server's runtime, read from /proc: `partykit dev`
 * runs workerd in its process group (process-cpu.ts finds the group), and
 * workerd's RSS is what the rooms, their sockets and the runtime itself hold.
 * The dev tooling in node next to it is left out, as it is from the CPU figures.
 */
import { readdirSync, readFileSync } from "node:fs";
import { SERVER_COMMANDS, parseProcStat } from "./process-cpu.ts";

/** RSS in bytes of the server processes (workerd) of `processGroup`; 0 where /proc is missing. */
export function serverRssBytes(processGroup: number): number {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) {
    try {
      const stat = parseProcStat(readFileSync(`/proc/${entry}/stat`, "utf8"));
      if (stat.processGroup !== processGroup || !SERVER_COMMANDS.includes(stat.command)) continue;
      const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"));
      if (rss) total += Number(rss[1]) * 1024;
    } catch {
      // The process ended while we read.
    }
  }
  return total;
}

/** Bytes as MB with one decimal. */
export function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
