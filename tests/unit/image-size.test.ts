/**
 * Pictures decoded, not trusted: shared/image-size.ts reads the real type and
 * size from hand-made headers, honest, lying, truncated and hostile, and says
 * in a sentence why it refuses one.
 */
import { describe, expect, it } from "vitest";
import { MAX_PICTURE_PIXELS, MAX_PICTURE_SIDE_PX, checkPicture, readPictureHeader } from "../../shared/image-size.ts";
import { jpegFile, pngFile, pngPolyglot, realPng, webpFile } from "../../testkit/pictures.ts";

describe("readPictureHeader reads the size a picture really declares", () => {
  const cases: Array<[string, Uint8Array, { type: string; width: number; height: number }]> = [
    ["a PNG", pngFile(640, 400), { type: "image/png", width: 640, height: 400 }],
    ["a baseline JPEG (SOF0)", jpegFile(800, 600), { type: "image/jpeg", width: 800, height: 600 }],
    ["an extended JPEG (SOF1)", jpegFile(1024, 768, 0xc1), { type: "image/jpeg", width: 1024, height: 768 }],
    ["a progressive JPEG (SOF2)", jpegFile(1920, 1080, 0xc2), { type: "image/jpeg", width: 1920, height: 1080 }],
    ["a lossy WebP (VP8)", webpFile("VP8 ", 1200, 900), { type: "image/webp", width: 1200, height: 900 }],
    ["a lossless WebP (VP8L)", webpFile("VP8L", 3000, 2000), { type: "image/webp", width: 3000, height: 2000 }],
    ["an extended WebP (VP8X)", webpFile("VP8X", 5000, 4000), { type: "image/webp", width: 5000, height: 4000 }],
  ];
  it.each(cases)("%s", (_label, bytes, expected) => {
    expect(readPictureHeader(bytes)).toEqual({ ok: true, ...expected });
  });

  it("reads a real PNG the size zlib made it", async () => {
    expect(readPictureHeader(await realPng(300, 200))).toEqual({ ok: true, type: "image/png", width: 300, height: 200 });
  });
});

describe("checkPicture refuses what a browser should not be asked to decode, with a sentence", () => {
  const png = pngFile(640, 400);
  const cases: Array<[string, Uint8Array, string | null, RegExp]> = [
    ["nothing at all", new Uint8Array(0), null, /only PNG, JPEG, WEBP pictures are accepted/],
    ["a web page", new TextEncoder().encode("<html></html>"), null, /only PNG, JPEG, WEBP/],
    ["a PNG signature in front of a page", pngPolyglot(), null, /PNG picture but has no IHDR header/],
    ["a PNG whose header claims 60000x60000", pngFile(60_000, 60_000), null, /60000x60000 pixels; at most 8000 a side/],
    ["a PNG one pixel too wide", pngFile(MAX_PICTURE_SIDE_PX + 1, 10), null, /at most 8000 a side/],
    ["a PNG of 8000x5001 (over 40 megapixels)", pngFile(8_000, 5_001), null, /40\.0 megapixels\); at most 40 megapixels/],
    ["a PNG whose IHDR is damaged", (() => { const bytes = pngFile(640, 400); bytes[20] = 0x7f; return bytes; })(), null, /IHDR header is damaged \(CRC mismatch\)/],
    ["a PNG cut short before its end", png.subarray(0, png.length - 12), null, /cut short before its end/],
    ["a PNG cut inside a chunk", png.subarray(0, 40), null, /cut short (before its end|inside its IDAT chunk)/],
    ["a PNG with a page after its end", pngFile(640, 400, undefined, { trailing: new TextEncoder().encode("<script>") }), null, /carries 8 bytes after its end/],
    // The signature and IHDR (33 bytes), then an empty "chunk" named "<htm".
    ["a PNG with a chunk no PNG has", new Uint8Array([...png.subarray(0, 33), 0, 0, 0, 0, ...new TextEncoder().encode("<htm"), 0, 0, 0, 0]), null, /chunk named "<htm", which no PNG has/],
    ["a PNG declared as a JPEG", png, "image/jpeg", /the upload says image\/jpeg but its bytes are image\/png/],
    ["a JPEG with no frame header", Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00), null, /ends before its frame header/],
    ["a JPEG whose data comes before its frame header", Uint8Array.of(0xff, 0xd8, 0xff, 0xda, 0x00, 0x04, 0x00, 0x00, 0xff, 0xd9), null, /image data before any frame header/],
    ["a lossless JPEG (SOF3)", jpegFile(100, 100, 0xc3), null, /frame type \(0xFFC3\) browsers do not decode/],
    ["a JPEG that claims 60000x60000", jpegFile(60_000, 60_000), null, /60000x60000 pixels/],
    ["a JPEG of 0x0", jpegFile(0, 0), null, /says it is 0x0 pixels/],
    ["a WebP cut short", webpFile("VP8X", 100, 100).subarray(0, 28), null, /too short|cut short/],
    ["a WebP with bytes after its end", new Uint8Array([...webpFile("VP8L", 100, 100), 1, 2, 3, 4]), null, /carries 4 bytes after its end/],
    ["a WebP that claims 16384x16384", webpFile("VP8X", 16_384, 16_384), null, /16384x16384 pixels/],
    ["a WebP without its VP8 start code", (() => { const bytes = webpFile("VP8 ", 100, 100); bytes[23] = 0; return bytes; })(), null, /no VP8 start code/],
  ];
  it.each(cases)("%s", (_label, bytes, declared, reason) => {
    const result = checkPicture(bytes, declared);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });

  it("accepts pictures at the limits, and a declared type with parameters", () => {
    expect(checkPicture(pngFile(MAX_PICTURE_SIDE_PX, MAX_PICTURE_PIXELS / MAX_PICTURE_SIDE_PX), "image/png")).toMatchObject({ ok: true, width: 8_000, height: 5_000 });
    expect(checkPicture(jpegFile(4000, 3000), "image/jpeg; charset=binary")).toMatchObject({ ok: true });
    expect(checkPicture(webpFile("VP8 ", 1200, 900), null)).toMatchObject({ ok: true });
  });

  it("refuses a real decompression bomb by its header, without decoding it", async () => {
    // 16000 x 16000 is 256 megapixels (a gigabyte decoded as RGBA) in a file of about 30 KB.
    const bomb = await realPng(16_000, 16_000);
    expect(bomb.length).toBeLessThan(100_000);
    expect(checkPicture(bomb, "image/png")).toMatchObject({ ok: false, reason: expect.stringMatching(/16000x16000 pixels/) });
  });
});
