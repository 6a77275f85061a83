/**
 * A player's own picture: uploaded from the lobby to the room, and handed by
 * the room to a player who joins later.
 */
import { attachScreenshot, createRoom, joinByLink, expect, test } from "./helpers.ts";

test("A's own uploaded picture reaches B", async ({ newPlayer }, testInfo) => {
  const a = await newPlayer();
  const b = await newPlayer();
  await a.goto("/");
  // A picture no built-in image looks like: orange left half, blue right half, a white stripe.
  const png = await a.evaluate(async () => {
    const canvas = document.createElement("canvas");
    canvas.width = 640;
    canvas.height = 400;
    const ctx = canvas.getContext("2d")!;
    ctx.fillStyle = "rgb(240, 120, 20)";
    ctx.fillRect(0, 0, 320, 400);
    ctx.fillStyle = "rgb(20, 60, 220)";
    ctx.fillRect(320, 0, 320, 400);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(0, 180, 640, 40);
    const blob = await new Promise<Blob>((resolve) => canvas.toBlob((result) => resolve(result!), "image/png"));
    return [...new Uint8Array(await blob.arrayBuffer())];
  });
  const link = await createRoom(a, { name: "Ada", pieces: 24, upload: { name: "halves.png", mimeType: "image/png", buffer: Buffer.from(png) } });
  const imageA = await a.evaluate(() => window.__puzzle!.image());
  expect(imageA).toMatchObject({ width: 640, height: 400 });
  expect(imageA.imageId).toMatch(/^upload-[0-9a-f]{16}$/);

  await joinByLink(b, link, "Bob");
  expect(await b.evaluate(() => window.__puzzle!.image())).toEqual(imageA);
  const near = (actual: number[], expected: number[]) => actual.every((value, index) => Math.abs(value - expected[index]!) <= 12);
  const left = await b.evaluate(() => window.__puzzle!.samplePicture(0.25, 0.1));
  const right = await b.evaluate(() => window.__puzzle!.samplePicture(0.75, 0.9));
  const stripe = await b.evaluate(() => window.__puzzle!.samplePicture(0.5, 0.5));
  expect(near(left, [240, 120, 20]), `left half ${left}`).toBe(true);
  expect(near(right, [20, 60, 220]), `right half ${right}`).toBe(true);
  expect(near(stripe, [255, 255, 255]), `stripe ${stripe}`).toBe(true);

  // The room refuses a second picture and anything that is not a picture.
  const room = new URL(link).searchParams.get("room")!;
  const again = await b.request.post(`/parties/main/${room}/image`, { data: Buffer.from(png), headers: { "content-type": "image/png" } });
  expect(again.status()).toBe(409);
  const bogus = await b.request.post(`/parties/main/other-${room}/image`, { data: Buffer.from("not a picture"), headers: { "content-type": "image/png" } });
  expect(bogus.status()).toBe(415);
  await attachScreenshot(b, testInfo, "player-b-with-uploaded-picture");
});
