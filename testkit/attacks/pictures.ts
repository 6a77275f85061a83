/**
 * Attacks 5b and 6 of issue 10, on the picture upload: uploads by someone who
 * is not the room's creator, many big uploads from one address, a body without
 * a declared length far past the limit, a header that lies about the size, a
 * real decompression bomb, a PNG signature in front of a web page, and a type
 * declared as something the bytes are not. Each case says what the room answered.
 */
import { RawSocket } from "../raw-socket.ts";
import { httpBaseOf } from "../room-http.ts";
import { jpegFile, pngFile, pngPolyglot, realPng } from "../pictures.ts";
import { GOOD_PUZZLE } from "./good-players.ts";

export interface PicturesOptions {
  host: string;
  /** Room ids used are `<prefix>-...`. */
  prefix: string;
  /** Big uploads from one address to rooms nobody created. */
  uploads: number;
  /** Size of the body sent without a declared length. */
  unboundedBytes: number;
  /** Side of the real bomb (a 1-bit PNG, this many pixels square). */
  bombSidePx: number;
}

export interface PictureCase {
  case: string;
  /** The HTTP status; 0 when the server cut the connection while the body was still being sent (it stopped reading). */
  status: number;
  error: string | null;
}

export interface PicturesResult {
  cases: PictureCase[];
  /** Big uploads: how many were stored and refused (by status). */
  flood: { stored: number; refused: Record<string, number> };
  /** Headers of a stored picture, as served. */
  served: { contentType: string | null; nosniff: string | null };
}

async function upload(base: string, room: string, body: BodyInit, headers: Record<string, string>): Promise<PictureCase & { case: "" }> {
  const init: RequestInit & { duplex?: "half" } = { method: "POST", body, headers };
  if (body instanceof ReadableStream) init.duplex = "half";
  let response: Response;
  try {
    response = await fetch(`${base}/parties/main/${room}/image`, init);
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? String(error);
    return { case: "", status: 0, error: `the connection was cut while sending (${cause})` };
  }
  const json = (await response.json().catch(() => null)) as { error?: string } | null;
  return { case: "", status: response.status, error: json?.error ?? null };
}

/** A body of `bytes` zero bytes, streamed with no declared length. */
function endless(bytes: number): ReadableStream<Uint8Array> {
  const chunk = new Uint8Array(64 * 1024);
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= bytes) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
}

export async function pictures(options: PicturesOptions): Promise<PicturesResult> {
  const base = httpBaseOf(options.host);
  const cases: PictureCase[] = [];
  const record = async (name: string, room: string, body: BodyInit, headers: Record<string, string> = { "content-type": "image/png" }) => {
    cases.push({ ...(await upload(base, room, body, headers)), case: name });
  };

  // A room that exists: only its creator chose its picture, before it was made.
  const existing = `${options.prefix}-existing`;
  const creator = new RawSocket({ host: options.host, room: existing });
  await creator.open();
  creator.hello("Creator", { create: GOOD_PUZZLE });
  await creator.welcomed();
  await record("upload to a room that exists", existing, pngFile(640, 400) as Uint8Array<ArrayBuffer>);
  creator.close();

  await record("a header claiming 60000x60000", `${options.prefix}-liar`, pngFile(60_000, 60_000) as Uint8Array<ArrayBuffer>);
  await record(`a real ${options.bombSidePx}x${options.bombSidePx} bomb`, `${options.prefix}-bomb`, (await realPng(options.bombSidePx, options.bombSidePx)) as Uint8Array<ArrayBuffer>);
  await record("a PNG signature in front of a page", `${options.prefix}-polyglot`, pngPolyglot() as Uint8Array<ArrayBuffer>);
  await record("a PNG declared as a JPEG", `${options.prefix}-mislabelled`, pngFile(640, 400) as Uint8Array<ArrayBuffer>, { "content-type": "image/jpeg" });
  await record("a JPEG declared as a JPEG", `${options.prefix}-honest-jpeg`, jpegFile(800, 600) as Uint8Array<ArrayBuffer>, { "content-type": "image/jpeg", "cf-connecting-ip": "198.51.100.9" });
  await record(`${Math.round(options.unboundedBytes / 2 ** 20)} MiB with no declared length`, `${options.prefix}-endless`, endless(options.unboundedBytes), { "content-type": "image/png" });

  // Many big pictures (4 MiB of IDAT behind an honest small header) to rooms nobody made, from one address.
  const big = pngFile(1000, 1000, new Uint8Array(4 * 1024 * 1024 - 100)) as Uint8Array<ArrayBuffer>;
  const flood = { stored: 0, refused: {} as Record<string, number> };
  for (let index = 0; index < options.uploads; index++) {
    const answer = await upload(base, `${options.prefix}-nobody-${index}`, big, { "content-type": "image/png", "cf-connecting-ip": "192.0.2.50" });
    if (answer.status === 201) flood.stored++;
    else flood.refused[answer.status] = (flood.refused[answer.status] ?? 0) + 1;
  }

  const served = await fetch(`${base}/parties/main/${options.prefix}-honest-jpeg/image`);
  await served.arrayBuffer();
  return { cases, flood, served: { contentType: served.headers.get("content-type"), nosniff: served.headers.get("x-content-type-options") } };
}
