/**
 * What a picture really is, read from its own header rather than trusted from a
 * request: the type from the signature, the pixel size from the PNG IHDR chunk,
 * the JPEG start-of-frame segment, or the WebP VP8, VP8L or VP8X chunk. The
 * room refuses a picture this cannot read, one bigger than a browser should be
 * asked to decode, and one whose declared type is not what its bytes are; the
 * client checks the same before it decodes. Pure: bytes in, a verdict out.
 */

/** Longest side a room accepts, in pixels. */
export const MAX_PICTURE_SIDE_PX = 8_000;
/** Most pixels a room accepts: 40 megapixels is 160 MB decoded as RGBA. */
export const MAX_PICTURE_PIXELS = 40_000_000;

export const PICTURE_TYPES = ["image/png", "image/jpeg", "image/webp"] as const;
export type PictureType = (typeof PICTURE_TYPES)[number];

export interface PictureHeader {
  type: PictureType;
  width: number;
  height: number;
}

export type PictureCheck = ({ ok: true } & PictureHeader) | { ok: false; reason: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The type the bytes say they are, from their first bytes only. */
export function sniffPictureType(bytes: Uint8Array): PictureType | null {
  const starts = (signature: readonly number[], offset = 0) => bytes.length >= offset + signature.length && signature.every((byte, index) => bytes[offset + index] === byte);
  if (starts(PNG_SIGNATURE)) return "image/png";
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  if (starts([0x52, 0x49, 0x46, 0x46]) && starts([0x57, 0x45, 0x42, 0x50], 8)) return "image/webp";
  return null;
}

/** Reads the header of a whole picture file. */
export function readPictureHeader(bytes: Uint8Array): PictureCheck {
  const type = sniffPictureType(bytes);
  switch (type) {
    case "image/png":
      return png(bytes);
    case "image/jpeg":
      return jpeg(bytes);
    case "image/webp":
      return webp(bytes);
    case null:
      return { ok: false, reason: `only ${PICTURE_TYPES.map((name) => name.slice("image/".length).toUpperCase()).join(", ")} pictures are accepted` };
    default: {
      const unreachable: never = type;
      return unreachable;
    }
  }
}

/**
 * The whole check a room makes: a readable header, a size within the limits,
 * and, when the request declared a type, that type.
 */
export function checkPicture(bytes: Uint8Array, declaredType: string | null): PictureCheck {
  const header = readPictureHeader(bytes);
  if (!header.ok) return header;
  const declared = declaredType?.split(";")[0]?.trim().toLowerCase();
  if (declared && declared !== header.type) return { ok: false, reason: `the upload says ${declared} but its bytes are ${header.type}` };
  const problem = sizeProblem(header.width, header.height);
  return problem ? { ok: false, reason: problem } : header;
}

/** Null when a picture of this size may be decoded, else the sentence saying why not. */
export function sizeProblem(width: number, height: number): string | null {
  if (width > MAX_PICTURE_SIDE_PX || height > MAX_PICTURE_SIDE_PX) return `the picture is ${width}x${height} pixels; at most ${MAX_PICTURE_SIDE_PX} a side is accepted`;
  if (width * height > MAX_PICTURE_PIXELS) return `the picture is ${width}x${height} pixels (${((width * height) / 1e6).toFixed(1)} megapixels); at most ${MAX_PICTURE_PIXELS / 1e6} megapixels are accepted`;
  return null;
}

const broken = (what: string, why: string): PictureCheck => ({ ok: false, reason: `the file starts like a ${what} picture but ${why}` });

function dimensions(type: PictureType, width: number, height: number, what: string): PictureCheck {
  if (width < 1 || height < 1) return broken(what, `says it is ${width}x${height} pixels`);
  return { ok: true, type, width, height };
}

const u32be = (bytes: Uint8Array, at: number) => ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
const u16be = (bytes: Uint8Array, at: number) => (bytes[at]! << 8) | bytes[at + 1]!;
const u32le = (bytes: Uint8Array, at: number) => (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
const u24le = (bytes: Uint8Array, at: number) => bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16);
const ascii = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));

/**
 * PNG: the IHDR chunk first (with a matching CRC), then every chunk's frame up
 * to IEND, which must end the file: a signature followed by something else (a
 * page, a script) is not a picture.
 */
function png(bytes: Uint8Array): PictureCheck {
  const start = PNG_SIGNATURE.length;
  if (bytes.length < start + 25) return broken("PNG", "is too short to hold its header");
  if (u32be(bytes, start) !== 13 || ascii(bytes, start + 4, 4) !== "IHDR") return broken("PNG", "has no IHDR header after its signature");
  if (crc32(bytes.subarray(start + 4, start + 21)) !== u32be(bytes, start + 21)) return broken("PNG", "its IHDR header is damaged (CRC mismatch)");
  const width = u32be(bytes, start + 8);
  const height = u32be(bytes, start + 12);
  let at = start;
  for (;;) {
    if (at + 12 > bytes.length) return broken("PNG", "is cut short before its end (no IEND chunk)");
    const length = u32be(bytes, at);
    const name = ascii(bytes, at + 4, 4);
    if (!/^[A-Za-z]{4}$/.test(name)) return broken("PNG", `holds a chunk named ${JSON.stringify(name)}, which no PNG has`);
    const next = at + 12 + length;
    if (next > bytes.length) return broken("PNG", `is cut short inside its ${name} chunk`);
    if (name === "IEND") {
      if (next !== bytes.length) return broken("PNG", `carries ${bytes.length - next} bytes after its end`);
      break;
    }
    at = next;
  }
  return dimensions("image/png", width, height, "PNG");
}

/** JPEG: segments from the start-of-image marker up to the first start-of-frame (baseline, extended or progressive). */
function jpeg(bytes: Uint8Array): PictureCheck {
  let at = 2;
  for (;;) {
    if (at + 4 > bytes.length) return broken("JPEG", "ends before its frame header");
    if (bytes[at] !== 0xff) return broken("JPEG", `has no segment marker at byte ${at}`);
    const marker = bytes[at + 1]!;
    // Fill bytes before a marker.
    if (marker === 0xff) {
      at++;
      continue;
    }
    const length = u16be(bytes, at + 2);
    if (length < 2) return broken("JPEG", `has a segment of length ${length}`);
    if (marker === 0xc0 || marker === 0xc1 || marker === 0xc2) {
      if (length < 8 || at + 2 + length > bytes.length) return broken("JPEG", "is cut short inside its frame header");
      return dimensions("image/jpeg", u16be(bytes, at + 7), u16be(bytes, at + 5), "JPEG");
    }
    // Other frame types (lossless, hierarchical, arithmetic-coded) are not what browsers decode.
    if (marker >= 0xc3 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return broken("JPEG", `uses a frame type (0xFF${marker.toString(16).toUpperCase()}) browsers do not decode`);
    if (marker === 0xda || marker === 0xd9) return broken("JPEG", "has image data before any frame header");
    at += 2 + length;
  }
}

/** WebP: a RIFF container exactly as long as the file, and its first chunk: VP8 (lossy), VP8L (lossless) or VP8X (extended). */
function webp(bytes: Uint8Array): PictureCheck {
  if (bytes.length < 20) return broken("WebP", "is too short to hold its header");
  const riffBytes = u32le(bytes, 4) + 8;
  if (riffBytes > bytes.length) return broken("WebP", "is cut short (its RIFF header promises more bytes)");
  if (riffBytes < bytes.length) return broken("WebP", `carries ${bytes.length - riffBytes} bytes after its end`);
  const chunk = ascii(bytes, 12, 4);
  const needs = chunk === "VP8L" ? 25 : 30;
  if (bytes.length < needs) return broken("WebP", `is too short to hold its ${chunk.trim()} header`);
  switch (chunk) {
    case "VP8 ":
      // A key frame: 3 bytes of frame tag, the start code, then 14-bit sizes.
      if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return broken("WebP", "has no VP8 start code");
      return dimensions("image/webp", (bytes[26]! | (bytes[27]! << 8)) & 0x3fff, (bytes[28]! | (bytes[29]! << 8)) & 0x3fff, "WebP");
    case "VP8L": {
      if (bytes[20] !== 0x2f) return broken("WebP", "has no VP8L signature");
      const bits = u32le(bytes, 21);
      return dimensions("image/webp", (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1, "WebP");
    }
    case "VP8X":
      return dimensions("image/webp", u24le(bytes, 24) + 1, u24le(bytes, 27) + 1, "WebP");
    default:
      return broken("WebP", `starts with a ${JSON.stringify(chunk)} chunk, not VP8, VP8L or VP8X`);
  }
}

const CRC_TABLE = Uint32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG computes it over a chunk's type and data. */
export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
