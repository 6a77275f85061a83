/**
 * Starts an attack in its own process (attack-process.ts), niced so that the
 * machine's scheduler favours the server and the good players, as it would if
 * the attacker sat on another machine; resolves with the attack's result.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { AttackName, AttackOptions, AttackResult } from "./attacks.ts";

const PROCESS = fileURLToPath(new URL("./attack-process.ts", import.meta.url));

export function runAttack<N extends AttackName>(name: N, options: AttackOptions<N>): Promise<AttackResult<N>> {
  return new Promise((resolve, reject) => {
    const child = spawn("nice", ["-n", "10", process.execPath, "--import", "tsx", PROCESS, name, JSON.stringify(options)], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const last = stdout.trim().split("\n").at(-1);
      if (code !== 0 || !last) return reject(new Error(`attack ${name} exited with ${code}: ${stderr.slice(-2_000)}`));
      resolve(JSON.parse(last) as AttackResult<N>);
    });
  });
}
