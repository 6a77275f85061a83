/**
 * What a load run does, and the command line that describes it. The load,
 * compare and bench front ends share the config; only `load` parses flags.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { MODES, type Mode } from "../../shared/protocol.ts";
import { MAX_PIECES, MIN_PIECES } from "../../shared/puzzle-spec.ts";
import type { ModeSettings } from "./mode-settings.ts";
import { decimal, integer } from "./cli-args.ts";

/** The room's default player limit (party/room-core.ts DEFAULT_MAX_PLAYERS, partykit.json MAX_PLAYERS). */
const DEFAULT_MAX_PLAYERS = 64;

/**
 * `solve`: players pick loose pieces (sometimes the same ones), drag them at the
 * rate, drop them, think, and now and then place one where it belongs.
 * `drag`: every player holds its own piece and drags it for the whole run
 * (the room benchmark of issue 2).
 */
export const BEHAVIOURS = ["solve", "drag"] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export interface LoadConfig {
  modes: Mode[];
  rooms: number;
  players: number;
  rateHz: number;
  durationS: number;
  pieces: number;
  /** A running server (host:port or URL); a local `partykit dev` is started without it. */
  host?: string;
  seed: number;
  json: boolean;
  behaviour: Behaviour;
  /** Probability that a player goes for one of the room's few contested pieces. */
  contention: number;
  /** Think time between a drop and the next grab, ms. */
  thinkMinMs: number;
  thinkMaxMs: number;
  /** How long to wait after the run for outstanding acks. */
  settleMs: number;
  /** Rooms whose pieces start turned; the solve players turn them (upright when placing one). */
  rotation: boolean;
  settings: ModeSettings;
  progress: boolean;
}

export const DEFAULT_LOAD_CONFIG: LoadConfig = {
  modes: ["stateful"],
  rooms: 1,
  players: 8,
  rateHz: 20,
  durationS: 10,
  pieces: 100,
  seed: 1,
  json: false,
  behaviour: "solve",
  contention: 0.2,
  thinkMinMs: 150,
  thinkMaxMs: 600,
  settleMs: 15_000,
  rotation: false,
  settings: {},
  progress: true,
};

/** "stateful", "stateless,stateless-occ" or "all". */
export function parseModes(raw: string): Mode[] {
  if (raw === "all") return [...MODES];
  const modes = raw.split(",").map((mode) => mode.trim());
  for (const mode of modes) {
    if (!(MODES as readonly string[]).includes(mode)) throw new InvalidArgumentError(`unknown mode "${mode}": use ${MODES.join(", ")}, a comma-separated list of them, or all`);
  }
  return [...new Set(modes)] as Mode[];
}

/** Accepts host:port, http(s)://host or ws(s)://host; rejects anything with a path. */
export function parseHost(raw: string): string {
  const value = raw.trim();
  const match = /^(?:(https?|wss?):\/\/)?([^/\s?#]+)\/*$/.exec(value);
  if (!match || !/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-fA-F:]+\](:\d{1,5})?$/.test(match[2]!)) {
    throw new InvalidArgumentError(`--host must be host[:port] or an http(s)/ws(s) URL without a path, got "${raw}"`);
  }
  return value;
}

/** The `load` command line; `exitOverride` lets tests see errors instead of exits. */
export function loadCommand(): Command {
  const d = DEFAULT_LOAD_CONFIG;
  return new Command("load")
    .description("Simulated players solve puzzles over the real protocol against one or more modes, then report lost moves, desync, latency, bytes and server CPU.")
    .addOption(new Option("--mode <modes>", `mode(s) to run, one after the other: ${MODES.join(", ")}, a comma-separated list, or all`).default(d.modes, d.modes.join(",")).argParser(parseModes))
    .addOption(new Option("--rooms <n>", "rooms, each with its own puzzle").default(d.rooms).argParser(integer("--rooms", 1, 1_000)))
    .addOption(new Option("--players <n>", "players per room").default(d.players).argParser(integer("--players", 1, 512)))
    .addOption(new Option("--rate <hz>", "moves per second per player while dragging").default(d.rateHz).argParser(decimal("--rate", 0.1, 120)))
    .addOption(new Option("--duration <s>", "seconds of play (then outstanding acks are awaited)").default(d.durationS).argParser(decimal("--duration", 0.5, 86_400)))
    .addOption(new Option("--pieces <n>", "pieces per puzzle").default(d.pieces).argParser(integer("--pieces", MIN_PIECES, MAX_PIECES)))
    .addOption(new Option("--host <url>", "a running server: host:port, http(s):// or ws(s):// URL (e.g. https://<project>.<user>.partykit.dev); without it a local partykit dev is started on a free port").argParser(parseHost))
    .addOption(new Option("--seed <n>", "seed for puzzles and players' choices").default(d.seed).argParser(integer("--seed", 0, 0xffffffff)))
    .addOption(new Option("--behaviour <name>", "solve: grab, drag, drop, think, some contention; drag: everyone drags its own piece all the time").choices(BEHAVIOURS).default(d.behaviour))
    .addOption(new Option("--contention <p>", "probability a grab goes for one of the room's few contested pieces").default(d.contention).argParser(decimal("--contention", 0, 1)))
    .addOption(new Option("--think <ms>", "think time between a drop and the next grab, min-max").default(`${d.thinkMinMs}-${d.thinkMaxMs}`))
    .addOption(new Option("--settle <ms>", "how long to wait after the run for outstanding acks").default(d.settleMs).argParser(integer("--settle", 0, 600_000)))
    .option("--rotation", "rooms with rotation on: pieces start turned and the solve players turn them", false)
    .addOption(new Option("--store-latency-ms <ms>", "stateless modes: one-way latency to the store (local server only)").argParser(integer("--store-latency-ms", 0, 60_000)))
    .addOption(new Option("--store-jitter-ms <ms>", "stateless modes: random extra store latency up to this (local server only)").argParser(integer("--store-jitter-ms", 0, 60_000)))
    .addOption(new Option("--cold-start-ms <ms>", "stateless modes: boot time of a fresh function instance (local server only)").argParser(integer("--cold-start-ms", 0, 60_000)))
    .addOption(new Option("--cold-start-rate <p>", "stateless modes: fraction of fresh instances that pay the cold start (local server only)").argParser(decimal("--cold-start-rate", 0, 1)))
    .addOption(new Option("--pool-size <n>", "stateless modes: function instances kept warm (local server only)").argParser(integer("--pool-size", 1, 10_000)))
    .addOption(new Option("--occ-retries <n>", "stateless-occ: retries on a version conflict before giving up (local server only)").argParser(integer("--occ-retries", 0, 1_000)))
    .addOption(new Option("--occ-backoff-ms <ms>", "stateless-occ: base of the exponential backoff between retries (local server only)").argParser(integer("--occ-backoff-ms", 0, 60_000)))
    .addOption(new Option("--store-bandwidth-mbps <n>", "stateless modes: store link bandwidth in Mbit/s, each trip also takes its bytes' transfer time; 0: size costs no time (local server only)").argParser(integer("--store-bandwidth-mbps", 0, 1_000_000)))
    .addOption(new Option("--store-item-bytes <n>", "stateless modes: largest store item; a larger document is read and written one page (round trip) per item (local server only)").argParser(integer("--store-item-bytes", 1_024, 1_000_000_000)))
    .addOption(new Option("--store-pad-bytes <n>", "stateless modes: bytes per document beyond the puzzle's, modelling the case study's ~4 MB state, e.g. 4000000 (local server only)").argParser(integer("--store-pad-bytes", 0, 100_000_000)))
    .addOption(new Option("--max-players <n>", "player limit per room (local server only)").argParser(integer("--max-players", 1, 10_000)))
    .option("--json", "print one JSON document instead of the human summary", false)
    .option("--no-progress", "no live progress line")
    .allowExcessArguments(false)
    .showHelpAfterError("(run with --help for every flag)");
}

/** The flags as commander hands them over; the mode settings keep their own names. */
interface ParsedFlags extends ModeSettings {
  mode: Mode[];
  rooms: number;
  players: number;
  rate: number;
  duration: number;
  pieces: number;
  host?: string;
  seed: number;
  behaviour: Behaviour;
  contention: number;
  think: string;
  settle: number;
  rotation: boolean;
  json: boolean;
  progress: boolean;
}

/** Parses the `load` command line into a config; throws commander's errors for bad flags. */
export function parseLoadArgs(argv: readonly string[], command: Command = loadCommand()): LoadConfig {
  command.parse(argv, { from: "user" });
  const flags = command.opts<ParsedFlags>();
  const think = /^(\d+)-(\d+)$/.exec(flags.think);
  if (!think || Number(think[1]) > Number(think[2])) command.error(`error: --think must be min-max in ms with min <= max, got "${flags.think}"`, { code: "load.invalidThink" });
  const settings: ModeSettings = {};
  for (const key of ["storeLatencyMs", "storeJitterMs", "coldStartMs", "coldStartRate", "poolSize", "occRetries", "occBackoffMs", "storeBandwidthMbps", "storeItemBytes", "storePadBytes", "maxPlayers"] as const) {
    if (flags[key] !== undefined) settings[key] = flags[key];
  }
  if (flags.host && Object.keys(settings).length > 0) {
    command.error(`error: ${Object.keys(settings).map(flagName).join(", ")} configure a local server; a deployed one takes them from its env vars (see partykit env add)`, { code: "load.settingsWithHost" });
  }
  const maxPlayers = settings.maxPlayers ?? DEFAULT_MAX_PLAYERS;
  if (!flags.host && flags.players > maxPlayers) command.error(`error: --players ${flags.players} is above the room's player limit ${maxPlayers}; raise it with --max-players`, { code: "load.tooManyPlayers" });
  if (flags.behaviour === "drag" && flags.pieces < flags.players) command.error(`error: --behaviour drag gives every player its own piece: --pieces ${flags.pieces} is below --players ${flags.players}`, { code: "load.tooFewPieces" });
  return {
    ...DEFAULT_LOAD_CONFIG,
    modes: flags.mode,
    rooms: flags.rooms,
    players: flags.players,
    rateHz: flags.rate,
    durationS: flags.duration,
    pieces: flags.pieces,
    host: flags.host,
    seed: flags.seed,
    behaviour: flags.behaviour,
    contention: flags.contention,
    thinkMinMs: Number(think![1]),
    thinkMaxMs: Number(think![2]),
    settleMs: flags.settle,
    rotation: flags.rotation,
    settings,
    json: flags.json,
    progress: flags.progress && !flags.json,
  };
}

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}
