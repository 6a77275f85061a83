/**
 * Picture files made by hand, honest and hostile: PNGs whose IHDR says what we
 * like (with a correct CRC), real decompression bombs, a PNG signature in front
 * of a web page, JPEG and WebP headers with any size. The unit tests of
 * shared/image-size.ts and the upload attacks use them.
 */
import { createDeflate, deflateSync } from "node:zlib";
import { crc32 } from "../shared/image-size.ts";

const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

function u32be(value: number): Uint8Array {
  return Uint8Array.of((value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** One PNG chunk: length, type, data, CRC over type and data. */
function pngChunk(type: string, data: Uint8Array): Uint8Array {
  const typed = concat(new TextEncoder().encode(type), data);
  return concat(u32be(data.length), typed, u32be(crc32(typed)));
}

/** IHDR data for a 1-bit greyscale picture of this size. */
function ihdr(width: number, height: number): Uint8Array {
  return concat(u32be(width), u32be(height), Uint8Array.of(1, 0, 0, 0, 0));
}

/** A PNG with the IHDR we say and the IDAT we give (not necessarily the picture IHDR promises). */
export function pngFile(width: number, height: number, idat: Uint8Array = deflateSync(new Uint8Array(1)), extra: { trailing?: Uint8Array } = {}): Uint8Array {
  return concat(PNG_SIGNATURE, pngChunk("IHDR", ihdr(width, height)), pngChunk("IDAT", idat), pngChunk("IEND", new Uint8Array(0)), extra.trailing ?? new Uint8Array(0));
}

/** A real, decodable 1-bit greyscale PNG of this size (all black), compressed as tightly as zlib can. */
export async function realPng(width: number, height: number): Promise<Uint8Array> {
  const rowBytes = 1 + Math.ceil(width / 8);
  const deflate = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on("end", resolve);
    deflate.on("error", reject);
  });
  const rowsPerWrite = Math.max(1, Math.floor((1 << 20) / rowBytes));
  const block = new Uint8Array(rowsPerWrite * rowBytes);
  for (let row = 0; row < height; row += rowsPerWrite) {
    const rows = Math.min(rowsPerWrite, height - row);
    if (!deflate.write(block.subarray(0, rows * rowBytes))) await new Promise((resolve) => deflate.once("drain", resolve));
  }
  deflate.end();
  await done;
  return pngFile(width, height, new Uint8Array(Buffer.concat(out)));
}

/** A PNG signature and header in front of an HTML page: a browser sniffing it might run the script. */
export function pngPolyglot(): Uint8Array {
  return concat(PNG_SIGNATURE, new TextEncoder().encode("<html><body><script>alert(document.cookie)</script></body></html>"));
}

/** A baseline JPEG's start: SOI, APP0, SOF0 with the size we say, EOI (no image data). */
export function jpegFile(width: number, height: number, frameMarker = 0xc0): Uint8Array {
  const app0 = Uint8Array.of(0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00);
  const sof = Uint8Array.of(0xff, frameMarker, 0x00, 0x0b, 0x08, (height >> 8) & 255, height & 255, (width >> 8) & 255, width & 255, 0x01, 0x01, 0x11, 0x00);
  return concat(Uint8Array.of(0xff, 0xd8), app0, sof, Uint8Array.of(0xff, 0xd9));
}

function riff(chunk: string, data: Uint8Array): Uint8Array {
  const body = concat(new TextEncoder().encode("WEBP"), new TextEncoder().encode(chunk), Uint8Array.of(data.length & 255, (data.length >> 8) & 255, (data.length >> 16) & 255, (data.length >>> 24) & 255), data);
  const size = body.length;
  return concat(new TextEncoder().encode("RIFF"), Uint8Array.of(size & 255, (size >> 8) & 255, (size >> 16) & 255, (size >>> 24) & 255), body);
}

/** A WebP of each kind of first chunk, saying the size we say. */
export function webpFile(kind: "VP8 " | "VP8L" | "VP8X", width: number, height: number): Uint8Array {
  switch (kind) {
    case "VP8 ":
      return riff(kind, Uint8Array.of(0x00, 0x00, 0x00, 0x9d, 0x01, 0x2a, width & 255, (width >> 8) & 0x3f, height & 255, (height >> 8) & 0x3f));
    case "VP8L": {
      const bits = ((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14);
      return riff(kind, Uint8Array.of(0x2f, bits & 255, (bits >> 8) & 255, (bits >> 16) & 255, (bits >>> 24) & 255));
    }
    case "VP8X":
      return riff(kind, Uint8Array.of(0x00, 0x00, 0x00, 0x00, (width - 1) & 255, ((width - 1) >> 8) & 255, ((width - 1) >> 16) & 255, (height - 1) & 255, ((height - 1) >> 8) & 255, ((height - 1) >> 16) & 255));
  }
}
