/**
 * The client's layers, checked on the source: the store imports no Phaser, no
 * DOM, no network and uses no timer of its own; scenes and views never import
 * the network; only client/net opens sockets or fetches.
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

function imports(path: string): string[] {
  return [...code(path).matchAll(/^import[^"']*["']([^"']+)["']/gm)].map((match) => match[1]!);
}

function offenders(files: string[], test: (path: string) => string[]): string[] {
  return files.flatMap((path) => test(path).map((what) => `${relative(CLIENT, path)}: ${what}`));
}

describe("client layers", () => {
  it("the store uses no Phaser, DOM, network or timer of its own", () => {
    const found = offenders(sources("store"), (path) => [
      ...imports(path).filter((specifier) => /phaser|partysocket|\/net\/|\/ui\/|\/views\/|\/scenes\//.test(specifier)),
      ...[...code(path).matchAll(/\b(window|document|sessionStorage|localStorage|fetch|WebSocket|setTimeout|setInterval|requestAnimationFrame|performance|Date\.now)\b/g)].map((match) => match[1]!),
    ]);
    expect(found).toEqual([]);
  });

  it("scenes and views never import the network", () => {
    const found = offenders([...sources("scenes"), ...sources("views")], (path) => imports(path).filter((specifier) => /\/net\/|partysocket/.test(specifier)));
    expect(found).toEqual([]);
  });

  it("only client/net opens sockets or fetches", () => {
    const outside = sources(".").filter((path) => !relative(CLIENT, path).startsWith("net/"));
    const found = offenders(outside, (path) => [
      ...imports(path).filter((specifier) => specifier === "partysocket"),
      ...[...code(path).matchAll(/\b(fetch|WebSocket)\s*\(/g)].map((match) => match[1]!),
    ]);
    expect(found).toEqual([]);
  });
});
