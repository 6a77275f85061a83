/**
 * CPU time of a local server's process tree, read from /proc: `partykit dev` runs
 * node and workerd in one process group, so summing utime+stime over the group
 * before and after a run gives the server's CPU time for it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";

let ticksPerSecond: number | null = null;

function clockTicksPerSecond(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

export interface ProcessCpu {
  pid: number;
  command: string;
  cpuMs: number;
}

/** Parses one /proc/<pid>/stat line; the command may contain spaces and parentheses. */
export function parseProcStat(line: string): { pid: number; command: string; processGroup: number; utimeTicks: number; stimeTicks: number } {
  const open = line.indexOf("(");
  const close = line.lastIndexOf(")");
  if (open < 0 || close < open) throw new Error(`not a /proc stat line: ${line.slice(0, 80)}`);
  const fields = line.slice(close + 2).split(" ");
  // fields[0] is field 3 (state); pgrp is field 5, utime 14, stime 15.
  return {
    pid: Number(line.slice(0, open).trim()),
    command: line.slice(open + 1, close),
    processGroup: Number(fields[2]),
    utimeTicks: Number(fields[11]),
    stimeTicks: Number(fields[12]),
  };
}

/** CPU time so far of every live process in `processGroup`; empty where /proc is missing. */
export function processGroupCpu(processGroup: number): ProcessCpu[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc").filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const msPerTick = 1000 / clockTicksPerSecond();
  const result: ProcessCpu[] = [];
  for (const entry of entries) {
    let line: string;
    try {
      line = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // The process ended while we listed.
    }
    const stat = parseProcStat(line);
    if (stat.processGroup !== processGroup) continue;
    result.push({ pid: stat.pid, command: stat.command, cpuMs: (stat.utimeTicks + stat.stimeTicks) * msPerTick });
  }
  return result;
}

/**
 * The processes that serve rooms. The rest of the tree is dev tooling (the
 * partykit CLI in node, esbuild watching files) that burns about 25 ms/s even
 * when idle and has no counterpart in production.
 */
export const SERVER_COMMANDS = ["workerd"];

/** CPU used between two readings: by the server processes, and by command name (processes alive at the end). */
export function cpuDelta(before: ProcessCpu[], after: ProcessCpu[]): { serverMs: number; toolingMs: number; byCommand: Record<string, number>; serverRestarted: boolean } {
  const start = new Map(before.map((process) => [process.pid, process.cpuMs]));
  const byCommand: Record<string, number> = {};
  let serverMs = 0;
  let toolingMs = 0;
  for (const process of after) {
    const used = process.cpuMs - (start.get(process.pid) ?? 0);
    if (SERVER_COMMANDS.includes(process.command)) serverMs += used;
    else toolingMs += used;
    byCommand[process.command] = (byCommand[process.command] ?? 0) + used;
  }
  // A server process that ended or appeared means the runtime restarted mid-run: its CPU is lost, and so are in-memory rooms.
  const servers = (list: ProcessCpu[]) => list.filter((process) => SERVER_COMMANDS.includes(process.command)).map((process) => process.pid).sort().join(",");
  return { serverMs, toolingMs, byCommand, serverRestarted: servers(before) !== servers(after) };
}
