/**
 * `npm run load -- --mode stateful --rooms 1 --players 8 --rate 20 --duration 10 --pieces 100`
 * Simulated players against one or more modes; a human summary or --json.
 */
import { CommanderError } from "commander";
import { SingleBar } from "cli-progress";
import { parseLoadArgs, type LoadConfig } from "./lib/load-config.ts";
import { runLoad } from "./lib/load-run.ts";
import { formatFigures } from "./lib/load-summary.ts";
import { describeMachine } from "./lib/machine.ts";
import type { LoadProgress } from "./lib/load-engine.ts";

async function main(): Promise<void> {
  let config: LoadConfig;
  try {
    config = parseLoadArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    throw error;
  }
  const bar = config.progress ? progressBar() : null;
  const result = await runLoad(config, (progress) => bar?.update(progress));
  bar?.stop();
  if (config.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  console.log(`machine: ${describeMachine(result.machine)}`);
  console.log(`target: ${result.target}`);
  for (const run of result.runs) console.log(formatFigures(run));
  if (result.runs.length > 1) console.log(formatFigures(result.total));
}

function progressBar(): { update(progress: LoadProgress): void; stop(): void } {
  const bar = new SingleBar(
    { format: "{mode} [{bar}] {elapsed}/{duration} s | sent {sent} | acked {acked} | {rate} acks/s", stream: process.stderr, hideCursor: true, clearOnComplete: true },
  );
  let mode = "";
  return {
    update(progress) {
      const payload = { mode: progress.mode, elapsed: progress.elapsedS.toFixed(1), duration: progress.durationS, sent: progress.sent, acked: progress.acked, rate: Math.round(progress.currentRate) };
      if (progress.mode !== mode) {
        if (mode) bar.stop();
        mode = progress.mode;
        bar.start(progress.durationS, progress.elapsedS, payload);
      } else bar.update(progress.elapsedS, payload);
    },
    stop: () => bar.stop(),
  };
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
