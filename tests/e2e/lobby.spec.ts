/**
 * The lobby explains itself: every refusal is a sentence next to its field,
 * `?mode=` preselects the mode, an unknown mode or a malformed room id is
 * refused naming what is valid, the slider shows the count the room will
 * really have, Create room is on screen without scrolling, and a room that
 * refuses the player (or never answers) sends them back here with the reason.
 */
import type { Page } from "@playwright/test";
import { gridFor } from "../../shared/puzzle-spec.ts";
import { attachScreenshot, expect, test, waitForGame } from "./helpers.ts";

const DESKTOP = { viewport: { width: 1366, height: 768 } };

async function setPieces(page: Page, pieces: number): Promise<void> {
  await page.locator("#piece-count").evaluate((input: HTMLInputElement, count) => {
    input.value = String(count);
    input.dispatchEvent(new Event("input"));
  }, pieces);
}

/** A PNG of the given size, drawn in the page. */
async function png(page: Page, width: number, height: number): Promise<Buffer> {
  const bytes = await page.evaluate(
    async ([w, h]) => {
      const canvas = document.createElement("canvas");
      canvas.width = w!;
      canvas.height = h!;
      const ctx = canvas.getContext("2d")!;
      ctx.fillStyle = "rgb(30, 140, 90)";
      ctx.fillRect(0, 0, w!, h!);
      const blob = await new Promise<Blob>((resolve) => canvas.toBlob((result) => resolve(result!), "image/png"));
      return [...new Uint8Array(await blob.arrayBuffer())];
    },
    [width, height],
  );
  return Buffer.from(bytes);
}

test("every refusal is a sentence next to its field, and the slider shows the real count", async ({ newPlayer }, testInfo) => {
  const page = await newPlayer(DESKTOP);
  await page.goto("/");
  // Create room is visible without scrolling at 1366x768.
  await expect(page.locator("#start")).toBeInViewport({ ratio: 1 });
  await expect(page.locator("#start")).toHaveText("Create room");

  // A name of only spaces is refused in words, and nothing starts.
  await page.fill("#name", "   ");
  await page.click("#start");
  await expect(page.locator("#name-hint")).toHaveText("Type a name with at least one visible character.");
  await expect(page.locator("#name-hint")).toHaveClass(/error/);
  await expect(page.locator("#lobby")).toBeVisible();

  // The limit is shown while typing, and a name past it is refused before anything is sent.
  await page.fill("#name", "Ann");
  await expect(page.locator("#name-hint")).toHaveText("3 / 32 characters");
  await page.fill("#name", "x".repeat(33));
  await expect(page.locator("#name-hint")).toHaveText("Names are at most 32 characters (this one has 33).");
  await page.click("#start");
  await expect(page.locator("#lobby")).toBeVisible();
  expect(new URL(page.url()).search).toBe("");

  // The slider shows the count the room will have for this picture: rows x cols.
  for (const asked of [100, 1_000, 24]) {
    await setPieces(page, asked);
    const { rows, cols } = gridFor(asked, 1600, 1000);
    await expect(page.locator("#piece-count-label")).toHaveText((rows * cols).toLocaleString("en"));
    await expect(page.locator("#piece-grid")).toContainText(`${rows} rows × ${cols} columns`);
  }

  // An upload's error stays next to the upload until a good upload clears it.
  await page.setInputFiles("#upload", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a picture") });
  await expect(page.locator("#upload-status")).toHaveText('"notes.txt" is not a PNG, JPEG or WebP picture.');
  await expect(page.locator("#upload-status")).toHaveClass(/error/);
  await attachScreenshot(page, testInfo, "lobby-refusals");
  await page.setInputFiles("#upload", { name: "square.png", mimeType: "image/png", buffer: await png(page, 400, 400) });
  await expect(page.locator("#upload-status")).toHaveText("Using square.png (400x400).");
  await expect(page.locator("#upload-status")).not.toHaveClass(/error/);
  // A square picture makes a square grid: the count follows the picture.
  await setPieces(page, 100);
  await expect(page.locator("#piece-count-label")).toHaveText("100");

  // The room has exactly the count shown.
  await page.fill("#name", "Ann");
  await page.click('[data-image-id="alpine-dusk"]');
  await setPieces(page, 100);
  await expect(page.locator("#piece-count-label")).toHaveText("104");
  await page.click("#start");
  await waitForGame(page);
  expect(await page.evaluate(() => window.__puzzle!.pieceCount())).toBe(104);
});

test("?mode= preselects the mode; an unknown mode or a malformed room id is refused naming what is valid", async ({ newPlayer }, testInfo) => {
  const page = await newPlayer(DESKTOP);
  for (const mode of ["stateless", "stateless-occ", "stateful"]) {
    await page.goto(`/?mode=${mode}`);
    await expect(page.locator(`input[name="mode"][value="${mode}"]`)).toBeChecked();
  }

  await page.goto("/?mode=statefull");
  await expect(page.locator("#mode-error")).toHaveText('"statefull" is not a server mode: the modes are stateful, stateless and stateless-occ.');
  await expect(page.locator('input[name="mode"]:checked')).toHaveCount(0);
  await page.fill("#name", "Ann");
  await page.click("#start");
  await expect(page.locator("#lobby")).toBeVisible();
  await attachScreenshot(page, testInfo, "lobby-unknown-mode");
  // Picking a mode clears the refusal.
  await page.check('input[name="mode"][value="stateless"]');
  await expect(page.locator("#mode-error")).toHaveText("");

  // A join link with an unknown mode asks for the mode instead of guessing one.
  await page.goto("/?room=abc123&mode=fast");
  await expect(page.locator("#join-info")).toContainText("Joining room abc123: pick its server mode below.");
  await expect(page.locator("#mode-field")).toBeVisible();
  await expect(page.locator("#mode-error")).toContainText('"fast" is not a server mode');
  await expect(page.locator("#start")).toHaveText("Join room");

  // A room id with a slash (or anything else the rooms refuse) is refused with their rule.
  await page.goto(`/?room=${encodeURIComponent("a/b")}&mode=stateful`);
  await expect(page.locator("#join-info")).toContainText('"a/b" is not a room id: a room id is 1 to 64 letters, digits, - or _, starting with a letter or digit.');
  await expect(page.locator("#create-fields")).toBeVisible();
  await expect(page.locator("#start")).toHaveText("Create room");
  await attachScreenshot(page, testInfo, "lobby-bad-room-id");
});

test("a room that refuses the player, or never answers, sends them back to the lobby with the reason", async ({ newPlayer }) => {
  const page = await newPlayer(DESKTOP);
  // A room that refuses the hello (as a room refuses a name it will not take).
  await page.routeWebSocket(/\/parties\/main\/refuse/, (socket) => {
    socket.onMessage((message) => {
      if (String(message).includes('"hello"')) socket.send(JSON.stringify({ type: "error", code: "bad-message", message: "name: Names are at most 32 characters" }));
    });
  });
  await page.goto("/?room=refuse1&mode=stateful");
  await page.fill("#name", "Ann");
  await page.click("#start");
  await expect(page.locator("#lobby-error")).toHaveText("The room did not let you in: name: Names are at most 32 characters");
  await expect(page.locator("#lobby")).toBeVisible();

  // A room that closes every connection before a welcome.
  await page.routeWebSocket(/\/parties\/main\/silent/, (socket) => socket.close());
  await page.goto("/?room=silent1&mode=stateful");
  await page.fill("#name", "Ann");
  await page.click("#start");
  await expect(page.locator("#lobby-error")).toContainText("The room did not answer after 4 attempts", { timeout: 30_000 });

  // A remembered name the rooms would refuse is not sent: the lobby shows why instead.
  await page.goto("/");
  await page.evaluate(() => {
    localStorage.setItem("puzzle-rooms:name", "y".repeat(40));
    sessionStorage.setItem("puzzle-rooms:token:main:resume1", "some-token");
  });
  await page.goto("/?room=resume1&mode=stateful");
  await expect(page.locator("#lobby")).toBeVisible();
  await expect(page.locator("#name-hint")).toHaveText("Names are at most 32 characters (this one has 40).");
});

for (const screen of [
  { name: "phone", options: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 } },
  { name: "phone-landscape", options: { viewport: { width: 844, height: 390 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3 } },
]) {
  test(`the lobby on a ${screen.name} is usable without zooming`, async ({ newPlayer }, testInfo) => {
    const page = await newPlayer(screen.options);
    await page.goto("/?mode=stateless");
    // Nothing wider than the screen, the button on screen, inputs big enough that focusing them does not zoom.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(screen.options.viewport.width);
    await expect(page.locator("#start")).toBeInViewport({ ratio: 1 });
    expect(await page.locator("#name").evaluate((input) => parseFloat(getComputedStyle(input).fontSize))).toBeGreaterThanOrEqual(16);
    await expect(page.locator('input[name="mode"][value="stateless"]')).toBeChecked();
    await attachScreenshot(page, testInfo, `lobby-${screen.name}`);
    await page.tap("#name");
    await page.keyboard.type("Pia");
    await page.tap("#start");
    await waitForGame(page);
    expect(await page.evaluate(() => window.__puzzle!.mode())).toBe("stateless");
  });
}
