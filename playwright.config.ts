import { defineConfig } from "@playwright/test";
import { execFileSync } from "node:child_process";

/**
 * End-to-end tests in Debian's Chromium against `npm run preview`: the
 * production build served by `partykit dev` on one port, as `npm start` serves
 * it. The port is chosen free once, here, and handed to workers through the
 * environment (they re-read this file).
 */
function freePortSync(): number {
  const script = "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})";
  return Number(execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }).trim());
}

process.env.E2E_PORT ??= String(freePortSync());
const port = Number(process.env.E2E_PORT);
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "tests/e2e",
  testMatch: "*.spec.ts",
  timeout: 120_000,
  expect: { timeout: 20_000 },
  fullyParallel: false,
  // Each test runs two browsers and the server shares the same 2 cores.
  workers: 1,
  // One retry: a flaky case is known (docs/figures.md, Known gaps) and a retry shows as
  // "flaky" in the report instead of hiding; a test that fails twice fails the suite.
  retries: 1,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    viewport: { width: 1280, height: 800 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    },
  },
  webServer: {
    command: "npm run preview",
    env: { PORT: String(port) },
    url: `${baseURL}/`,
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: "ignore",
    stderr: "pipe",
  },
});
