/**
 * Where a mode breaks: the first step of a rising load at which ack p99 passes
 * BREAK_ACK_P99_MS or fewer than 99% of actions are acknowledged, in two runs.
 */
import type { Mode } from "../../shared/protocol.ts";
import { DEFAULT_LOAD_CONFIG, type LoadConfig } from "./load-config.ts";
import { runMode, type ModeFigures } from "./load-engine.ts";
import type { ModeSettings } from "./mode-settings.ts";
import { openTarget } from "./server-target.ts";

export const BREAK_ACK_P99_MS = 100;
export const BREAK_ACKED_SHARE = 0.99;

export interface LoadStep {
  rooms: number;
  players: number;
  rateHz: number;
}

/** From a couple of players to a few full rooms at 30 Hz. */
export const DEFAULT_LADDER: LoadStep[] = [
  { rooms: 1, players: 2, rateHz: 20 },
  { rooms: 1, players: 4, rateHz: 20 },
  { rooms: 1, players: 8, rateHz: 20 },
  { rooms: 1, players: 16, rateHz: 20 },
  { rooms: 1, players: 32, rateHz: 20 },
  { rooms: 1, players: 64, rateHz: 30 },
  { rooms: 4, players: 64, rateHz: 30 },
  { rooms: 8, players: 64, rateHz: 30 },
];

export interface StepResult extends LoadStep {
  sentPerS: number;
  acknowledgedPerS: number;
  ackedShare: number;
  ackP99Ms: number;
  lost: number;
  breaks: boolean;
}

export interface Breakpoint {
  mode: Mode;
  /** Settings the mode ran with (empty: partykit.json defaults). */
  settings: ModeSettings;
  steps: StepResult[];
  /** The first step that broke, or null when the whole ladder held. */
  breaksAt: StepResult | null;
}

export function breaks(figures: ModeFigures): boolean {
  return !(figures.ackLatencyMs.p99 <= BREAK_ACK_P99_MS) || figures.actions.acknowledged < BREAK_ACKED_SHARE * figures.actions.sent;
}

export async function findBreakpoint(mode: Mode, ladder: readonly LoadStep[], base: Pick<LoadConfig, "durationS" | "pieces" | "seed">, settings: ModeSettings, log: (line: string) => void): Promise<Breakpoint> {
  const steps: StepResult[] = [];
  const run = async (step: LoadStep): Promise<ModeFigures> => {
    const config: LoadConfig = { ...DEFAULT_LOAD_CONFIG, ...base, ...step, modes: [mode], progress: false, settings: { ...settings, maxPlayers: Math.max(64, step.players) } };
    const target = await openTarget(undefined, config.settings);
    try {
      return (await runMode(mode, config, target)).figures;
    } finally {
      await target.close();
    }
  };
  for (const step of ladder) {
    let figures = await run(step);
    // On a shared machine one slow moment can push a p99 over; a break must show twice.
    if (breaks(figures)) {
      const again = await run(step);
      if (!breaks(again)) figures = again;
    }
    const result: StepResult = {
      ...step,
      sentPerS: figures.actions.sent / figures.playS,
      acknowledgedPerS: figures.acknowledgedPerS,
      ackedShare: figures.actions.sent ? figures.actions.acknowledged / figures.actions.sent : 0,
      ackP99Ms: figures.ackLatencyMs.p99,
      lost: figures.lostMoves.lost,
      breaks: breaks(figures),
    };
    steps.push(result);
    log(`  ${mode}${Object.keys(settings).length ? ` ${JSON.stringify(settings)}` : ""} ${step.rooms}x${step.players}x${step.rateHz} Hz: ${Math.round(result.acknowledgedPerS)} acks/s, ${(100 * result.ackedShare).toFixed(1)}% acked, ack p99 ${result.ackP99Ms.toFixed(0)} ms${result.breaks ? " -> breaks" : ""}`);
    if (result.breaks) return { mode, settings, steps, breaksAt: result };
  }
  return { mode, settings, steps, breaksAt: null };
}
