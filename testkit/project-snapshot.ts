/**
 * A frozen copy of the server code for measurements. `partykit dev` rebuilds and
 * restarts its worker whenever a source file changes, which wipes in-memory rooms
 * mid-run (with persistence off) and shows up as lost moves and unanswered
 * actions that have nothing to do with the mode measured. Running from a copy
 * pins the code for the whole run.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** What the server build reads: its sources, config and the package type. */
const COPIED = ["party", "shared", "partykit.json", "package.json", "tsconfig.json"];

export interface ProjectSnapshot {
  dir: string;
  remove(): void;
}

export function snapshotProject(): ProjectSnapshot {
  const dir = mkdtempSync(join(tmpdir(), "puzzle-rooms-run-"));
  for (const entry of COPIED) if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(dir, entry), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  // partykit.json serves the built client, and partykit dev restarts when it changes (any
  // `vite build` elsewhere would); the load scripts do not need it, so an empty folder it is.
  mkdirSync(join(dir, "dist"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
