/**
 * Starts and stops a real `partykit dev` (workerd) for tests, benchmarks and load
 * runs: its own port, persistence off unless a directory is given.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const READY_TIMEOUT_MS = 60_000;

export interface PartykitDevOptions {
  port?: number;
  /** A directory to persist room storage in; persistence is off without it. */
  persistDir?: string;
  /** Values for partykit.json vars, e.g. { STORE_LATENCY_MS: "40" }. */
  vars?: Record<string, string>;
  /** Serve this directory of static assets instead of partykit.json's. */
  serveDir?: string;
  /** Project directory to run in (default: this repository), e.g. a frozen copy for benchmarks. */
  cwd?: string;
}

export interface PartykitDev {
  port: number;
  url: string;
  /** Pid of the `partykit` process; workerd runs in its process group. */
  pid: number;
  stop(signal?: NodeJS.Signals): Promise<void>;
  output(): string;
}

/** A free TCP port on loopback, chosen by the OS. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export async function startPartykitDev(options: PartykitDevOptions = {}): Promise<PartykitDev> {
  const port = options.port ?? (await freePort());
  const args = ["partykit", "dev", "--port", String(port), "--disable-request-cf-fetch", "--no-hotkeys"];
  args.push("--persist", options.persistDir ?? "false");
  if (options.serveDir) args.push("--serve", options.serveDir);
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}=${value}`);
  const child = spawn("npx", args, { cwd: options.cwd ?? ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, url, () => output);
  return {
    port,
    url,
    pid: child.pid!,
    output: () => output,
    stop: (signal = "SIGTERM") => stopGroup(child, signal),
  };
}

async function waitUntilReady(child: ChildProcess, url: string, output: () => string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`partykit dev exited with ${child.exitCode}:\n${output()}`);
    try {
      const response = await fetch(`${url}/parties/main/ready-probe`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stopGroup(child, "SIGKILL");
  throw new Error(`partykit dev did not answer on ${url} within ${READY_TIMEOUT_MS} ms:\n${output()}`);
}

async function stopGroup(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (!groupAlive(child.pid!)) return;
  try {
    process.kill(-child.pid!, signal);
  } catch {
    return;
  }
  // npx may exit before the partykit process and workerd it started: wait for the whole group.
  const deadline = Date.now() + 5_000;
  while (groupAlive(child.pid!) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (groupAlive(child.pid!)) {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  if (child.exitCode === null && child.signalCode === null) await new Promise<void>((resolve) => child.once("exit", () => resolve()));
}

/** Whether any process of the group led by `pid` is still there. */
function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}
