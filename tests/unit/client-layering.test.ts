/**
 * The client's layers, checked on the code rather than the imports (those are
 * tests/unit/layering.test.ts's): the store touches no DOM, no network and no
 * timer of its own; only client/net opens sockets or fetches.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const CLIENT = fileURLToPath(new URL("../../client/", import.meta.url));

function sources(folder: string): string[] {
  return readdirSync(join(CLIENT, folder), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
}

/** The code without its comments, so that prose may name what code may not use. */
function code(path: string): string {
  return readFileSync(path, "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/^\s*\/\/.*$/gm, "");
}

function offenders(files: string[], test: (path: string) => string[]): string[] {
  return files.flatMap((path) => test(path).map((what) => `${relative(CLIENT, path)}: ${what}`));
}

describe("client layers", () => {
  it("the store uses no DOM, network or timer of its own", () => {
    const found = offenders(sources("store"), (path) => [
      ...[...code(path).matchAll(/\b(window|document|sessionStorage|localStorage|fetch|WebSocket|setTimeout|setInterval|requestAnimationFrame|performance|Date\.now)\b/g)].map((match) => match[1]!),
    ]);
    expect(found).toEqual([]);
  });

  it("only client/net opens sockets or fetches", () => {
    const outside = sources(".").filter((path) => !relative(CLIENT, path).startsWith("net/"));
    const found = offenders(outside, (path) => [...code(path).matchAll(/\b(fetch|WebSocket)\s*\(/g)].map((match) => match[1]!));
    expect(found).toEqual([]);
  });
});
