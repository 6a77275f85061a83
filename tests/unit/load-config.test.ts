import { describe, expect, test } from "vitest";
import { CommanderError } from "commander";
import { loadCommand, parseLoadArgs } from "../../scripts/lib/load-config.ts";
import { httpBaseOf, roomUrl } from "../../testkit/room-http.ts";
import { hostAndProtocol } from "../../testkit/protocol-client.ts";
import { varsFor } from "../../scripts/lib/mode-settings.ts";

function parse(argv: string[]) {
  const command = loadCommand().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  return parseLoadArgs(argv, command);
}

function parseError(argv: string[]): CommanderError {
  try {
    parse(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error;
    throw error;
  }
  throw new Error(`expected ${argv.join(" ")} to be refused`);
}

describe("load flags", () => {
  test("every documented flag is parsed", () => {
    const config = parse(["--mode", "stateless-occ", "--rooms", "3", "--players", "5", "--rate", "12.5", "--duration", "7", "--pieces", "200", "--seed", "9", "--json", "--think", "10-20", "--store-latency-ms", "0", "--pool-size", "2", "--occ-retries", "3"]);
    expect(config).toMatchObject({ modes: ["stateless-occ"], rooms: 3, players: 5, rateHz: 12.5, durationS: 7, pieces: 200, seed: 9, json: true, progress: false, thinkMinMs: 10, thinkMaxMs: 20 });
    expect(varsFor(config.settings)).toEqual({ STORE_LATENCY_MS: "0", FN_POOL_SIZE: "2", OCC_MAX_RETRIES: "3" });
  });

  test("defaults, and all or a list of modes", () => {
    expect(parse([]).modes).toEqual(["stateful"]);
    expect(parse(["--mode", "all"]).modes).toEqual(["stateful", "stateless", "stateless-occ"]);
    expect(parse(["--mode", "stateful,stateless"]).modes).toEqual(["stateful", "stateless"]);
  });

  test.each([
    [["--mode", "serverless"], /unknown mode "serverless"/],
    [["--rooms", "0"], /--rooms must be an integer from 1/],
    [["--players", "2.5"], /--players must be an integer/],
    [["--rate", "fast"], /--rate must be a number/],
    [["--duration", "-1"], /--duration must be a number/],
    [["--pieces", "3"], /--pieces must be an integer from 4/],
    [["--think", "500-100"], /--think must be min-max/],
    [["--host", "example.com/some/path"], /--host must be host\[:port\]/],
    [["--host", "https://p.u.partykit.dev", "--store-latency-ms", "5"], /--store-latency-ms configure a local server/],
    [["--players", "65"], /above the room's player limit 64/],
    [["--behaviour", "drag", "--players", "20", "--pieces", "10"], /every player its own piece/],
    [["--behaviour", "wander"], /Allowed choices are solve, drag/],
    [["--bogus"], /unknown option '--bogus'/],
    [["extra"], /too many arguments/],
  ])("%j is refused with a clear message", (argv, message) => {
    const error = parseError(argv);
    expect(error.message).toMatch(message);
    expect(error.exitCode).not.toBe(0);
  });

  test("--help documents every flag", () => {
    const help = loadCommand().helpInformation();
    for (const flag of ["--mode", "--rooms", "--players", "--rate", "--duration", "--pieces", "--host", "--json", "--seed", "--store-latency-ms", "--store-jitter-ms", "--cold-start-ms", "--cold-start-rate", "--pool-size", "--occ-retries", "--occ-backoff-ms", "--max-players", "--behaviour", "--contention", "--think", "--settle", "--no-progress"]) {
      expect(help).toContain(flag);
    }
  });
});

describe("targeting a deployed project", () => {
  test.each([
    ["https://puzzle-rooms.someone.partykit.dev", "puzzle-rooms.someone.partykit.dev", "wss", "https://puzzle-rooms.someone.partykit.dev"],
    ["https://puzzle-rooms.someone.partykit.dev/", "puzzle-rooms.someone.partykit.dev", "wss", "https://puzzle-rooms.someone.partykit.dev"],
    ["wss://puzzle-rooms.someone.partykit.dev", "puzzle-rooms.someone.partykit.dev", "wss", "https://puzzle-rooms.someone.partykit.dev"],
    ["http://127.0.0.1:1999", "127.0.0.1:1999", "ws", "http://127.0.0.1:1999"],
    ["localhost:1999", "localhost:1999", "ws", "http://localhost:1999"],
  ])("%s", (target, host, protocol, httpBase) => {
    expect(parse(["--host", target]).host).toBe(target);
    expect(hostAndProtocol(target)).toEqual({ host, protocol });
    expect(httpBaseOf(target)).toBe(httpBase);
  });

  test("room state URLs follow PartyKit's /parties/<party>/<room>", () => {
    expect(roomUrl("https://p.u.partykit.dev", "stateless_occ", "load-1 r0", true)).toBe("https://p.u.partykit.dev/parties/stateless_occ/load-1%20r0?state=1");
    expect(roomUrl("http://127.0.0.1:1999", "main", "r", false)).toBe("http://127.0.0.1:1999/parties/main/r");
  });
});
