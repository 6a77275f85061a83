/**
 * The layering the architecture promises, checked from the imports: shared/ at
 * the bottom, the stateful room and the stateless backend side by side on
 * party/common, the client's scenes and views never near the network, and the
 * harness above everything it drives.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A rule: files under `from` must not import what `forbidden` matches (a folder prefix or a package name). */
interface Rule {
  from: string;
  forbidden: string[];
  why: string;
}

export const RULES: Rule[] = [
  { from: "shared/", forbidden: ["party/", "client/", "testkit/", "scripts/", "tests/", "partykit", "partysocket", "phaser"], why: "shared/ is pure: no runtime, no transport, no pixels" },
  { from: "party/", forbidden: ["client/", "testkit/", "scripts/", "tests/", "phaser", "partysocket"], why: "the server knows nothing of the client or the harness" },
  { from: "party/stateless/", forbidden: ["party/room/"], why: "the stateless backend shares party/common with the room, never the room itself" },
  { from: "party/room/", forbidden: ["party/stateless/"], why: "the room does not depend on the naive backend" },
  { from: "client/", forbidden: ["party/", "testkit/", "scripts/", "tests/"], why: "the client speaks the protocol, never the server's code" },
  { from: "client/scenes/", forbidden: ["client/net/", "partysocket"], why: "scenes draw the store; only net/ touches the network" },
  { from: "client/views/", forbidden: ["client/net/", "partysocket"], why: "views draw the store; only net/ touches the network" },
  { from: "client/store/", forbidden: ["client/net/", "client/scenes/", "client/views/", "client/ui/", "phaser", "partysocket"], why: "the store is plain state: no network, no Phaser, no DOM layers" },
  { from: "client/ui/", forbidden: ["partysocket"], why: "only net/ opens sockets" },
  { from: "testkit/", forbidden: ["scripts/", "tests/"], why: "the harness sits below the scripts and tests that use it" },
];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(ROOT, dir))) {
    const path = join(dir, entry);
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(entry)) out.push(path);
  }
  return out;
}

/** What a file imports: repository paths for relative imports, package names otherwise. */
export function importsOf(file: string, source: string): string[] {
  const specifiers = [...source.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)|^import\s*["']([^"']+)["']/gm)].map(
    (match) => match[1] ?? match[2] ?? match[3]!,
  );
  return specifiers.map((specifier) => (specifier.startsWith(".") ? relative(ROOT, resolve(ROOT, dirname(file), specifier)) : specifier.split("/")[0]!));
}

/** Every import that breaks a rule, as "file -> import (why)". */
export function violations(files: Array<{ file: string; imports: string[] }>, rules: Rule[] = RULES): string[] {
  const found: string[] = [];
  for (const { file, imports } of files) {
    for (const rule of rules) {
      if (!file.startsWith(rule.from)) continue;
      for (const target of imports) {
        if (rule.forbidden.some((bad) => (bad.endsWith("/") ? target.startsWith(bad) : target === bad))) found.push(`${file} -> ${target} (${rule.why})`);
      }
    }
  }
  return found;
}

describe("layering", () => {
  const files = ["shared", "party", "client", "testkit", "scripts"].flatMap(sourceFiles).map((file) => ({ file, imports: importsOf(file, readFileSync(join(ROOT, file), "utf8")) }));

  it("every import respects the layers", () => {
    expect(files.length).toBeGreaterThan(50);
    expect(violations(files)).toEqual([]);
  });

  it("sees the imports it judges", () => {
    const rules = files.find((entry) => entry.file === "shared/rules.ts")!;
    expect(rules.imports).toContain("shared/puzzle-state.ts");
    const scene = files.find((entry) => entry.file === "client/scenes/puzzle-scene.ts")!;
    expect(scene.imports).toContain("phaser");
  });

  it("would catch a break of each rule", () => {
    const source = 'import { x } from "../net/connection.ts";\nimport type { Y } from "../../party/room/room-core.ts";\nconst z = await import("partysocket");\n';
    expect(importsOf("client/views/example.ts", source)).toEqual(["client/net/connection.ts", "party/room/room-core.ts", "partysocket"]);
    for (const rule of RULES) {
      const bad = rule.forbidden[0]!;
      const target = bad.endsWith("/") ? `${bad}x.ts` : bad;
      expect(violations([{ file: `${rule.from}example.ts`, imports: [target] }]), rule.why).toHaveLength(1);
    }
  });
});
