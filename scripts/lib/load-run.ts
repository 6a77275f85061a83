/**
 * A whole load run: each mode in turn, on its own fresh local server (or the
 * given host), and the total over them.
 */
import { runMode, totalOf, type LoadProgress, type ModeFigures } from "./load-engine.ts";
import { machineInfo, type MachineInfo } from "./machine.ts";
import { openTarget } from "./server-target.ts";
import type { LoadConfig } from "./load-config.ts";

export interface LoadResult {
  startedAt: string;
  machine: MachineInfo;
  /** "local partykit dev" or the host given. */
  target: string;
  config: LoadConfig;
  runs: ModeFigures[];
  total: ModeFigures;
}

export async function runLoad(config: LoadConfig, onProgress?: (progress: LoadProgress) => void): Promise<LoadResult> {
  const startedAt = new Date().toISOString();
  const modeRuns = [];
  for (const mode of config.modes) {
    const target = await openTarget(config.host, config.settings);
    try {
      modeRuns.push(await runMode(mode, config, target, onProgress));
    } finally {
      await target.close();
    }
  }
  return {
    startedAt,
    machine: machineInfo(),
    target: config.host ?? "local partykit dev (own port)",
    config,
    runs: modeRuns.map((run) => run.figures),
    total: totalOf(modeRuns),
  };
}
