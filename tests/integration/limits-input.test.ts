/**
 * Issue 10 through the real runtime, part 3: what a client may hand the room.
 * Pictures are decoded, not trusted (uploads by non-members, lying headers,
 * bombs, polyglots, mislabelled types and unbounded bodies are refused with a
 * sentence; uploads from one address are counted; the picture is served with
 * its real type and nosniff); hostile names are normalised, refused or made
 * unique; and every party refuses the same room ids with the same sentence.
 */
import { describe, expect, test } from "vitest";
import { serverPerFile } from "../../testkit/server-per-file.ts";
import { runAttack } from "../../testkit/attacks/run-attack.ts";
import { CLOSE_REFUSED } from "../../shared/protocol.ts";
import { DEFAULT_QUOTAS } from "../../party/common/limits.ts";
import { roomIdProblem } from "../../shared/room-id.ts";
import { UploadResultSchema, parseBody } from "../../shared/http.ts";
import { pngFile } from "../../testkit/pictures.ts";
import { ProtocolClient } from "../../testkit/protocol-client.ts";
import { sleep } from "../../testkit/scripted/play.ts";

// Uploaded pictures no room was made with are deleted after 2 s here (10 minutes by default).
const file = serverPerFile({ UNCLAIMED_PICTURE_TTL_MS: "2000" });
const host = file.host;

describe("one client cannot hurt a room: what it hands over", () => {
  test("pictures: non-members, lying headers, bombs, polyglots, wrong types and endless bodies are refused with a sentence", async () => {
    const result = await runAttack("pictures", { host: host(), prefix: "pic", uploads: 6, unboundedBytes: 64 * 2 ** 20, bombSidePx: 16_000 });
    const byCase = Object.fromEntries(result.cases.map((entry) => [entry.case, entry]));
    expect(byCase["upload to a room that exists"]).toMatchObject({ status: 409, error: expect.stringMatching(/puzzle is made already/) });
    expect(byCase["a header claiming 60000x60000"]).toMatchObject({ status: 415, error: expect.stringMatching(/60000x60000 pixels/) });
    expect(byCase["a real 16000x16000 bomb"]).toMatchObject({ status: 415, error: expect.stringMatching(/16000x16000 pixels/) });
    expect(byCase["a PNG signature in front of a page"]).toMatchObject({ status: 415, error: expect.stringMatching(/no IHDR header/) });
    expect(byCase["a PNG declared as a JPEG"]).toMatchObject({ status: 415, error: expect.stringMatching(/says image\/jpeg but its bytes are image\/png/) });
    // 413, or cut off mid-body when the server's refusal beats the client's last write: either way, never read whole.
    expect([413, 0]).toContain(byCase["64 MiB with no declared length"]!.status);
    expect(byCase["a JPEG declared as a JPEG"]).toMatchObject({ status: 201 });
    expect(result.served).toEqual({ contentType: "image/jpeg", nosniff: "nosniff" });
    // Past the quota each upload is refused with 429 before its 4 MiB body is read, so the
    // client may instead see the connection cut while it is still sending (status 0).
    expect(result.flood.stored).toBe(DEFAULT_QUOTAS.uploadsPerAddressPerMin);
    expect(Object.keys(result.flood.refused).every((status) => status === "429" || status === "0")).toBe(true);
    expect((result.flood.refused[429] ?? 0) + (result.flood.refused[0] ?? 0)).toBe(6 - DEFAULT_QUOTAS.uploadsPerAddressPerMin);
  });

  test("a picture no room was made with is deleted; one a room (stateful or stateless) was made with is kept", async () => {
    const picture = pngFile(640, 400) as Uint8Array<ArrayBuffer>;
    const upload = async (room: string, address: string) => {
      const response = await fetch(`${file.server.url}/parties/main/${room}/image`, { method: "POST", body: picture, headers: { "content-type": "image/png", "cf-connecting-ip": address } });
      expect(response.status, room).toBe(201);
      return parseBody(UploadResultSchema, await response.json(), "upload");
    };
    const unclaimed = await upload("kept-nobody", "198.51.100.21");
    expect(unclaimed).toMatchObject({ width: 640, height: 400 });
    const stateful = await upload("kept-stateful", "198.51.100.22");
    const stateless = await upload("kept-stateless", "198.51.100.23");
    const create = (imageId: string) => ({ imageId, imageWidth: 640, imageHeight: 400, pieceCount: 4, seed: 1 });
    const a = await ProtocolClient.join({ host: host(), room: "kept-stateful", name: "Maker", create: create(stateful.imageId) });
    const b = await ProtocolClient.join({ host: host(), room: "kept-stateless", party: "stateless", name: "Maker", create: create(stateless.imageId) });
    await sleep(4_000);
    const status = async (room: string) => (await fetch(`${file.server.url}/parties/main/${room}/image`)).status;
    expect(await status("kept-nobody")).toBe(404);
    expect(await status("kept-stateful")).toBe(200);
    expect(await status("kept-stateless")).toBe(200);
    a.close();
    b.close();
  });

  test("names: bidi overrides and controls are removed, invisible or overlong names refused, copies suffixed", async () => {
    const result = await runAttack("names", { host: host(), room: "names" });
    const byLabel = Object.fromEntries(result.names.map((entry) => [entry.label, entry]));
    expect(byLabel["right-to-left override"]).toMatchObject({ shown: "Anngnp.exe" });
    expect(byLabel["control characters"]).toMatchObject({ shown: "Bob[31m" });
    expect(byLabel["a lone surrogate"]).toMatchObject({ shown: "Eve" });
    expect(byLabel["decomposed accents (NFD)"]).toMatchObject({ shown: "Zo\u00EB" });
    expect(byLabel["a copy of another player's name"]).toMatchObject({ shown: "Host (2)" });
    expect(byLabel["the same name in other case"]).toMatchObject({ shown: "HOST (3)" });
    expect(byLabel["32 emoji (64 UTF-16 units)"]).toMatchObject({ shown: "🧩".repeat(32) });
    for (const label of ["only invisible characters", "blank after trimming", "Hangul fillers only"]) {
      expect(byLabel[label], label).toMatchObject({ shown: null, refusal: "name: Type a name with at least one visible character.", closeCode: CLOSE_REFUSED });
    }
    expect(byLabel["40 visible characters"]).toMatchObject({ shown: null, refusal: "name: Names are at most 32 characters (this one has 40).", closeCode: CLOSE_REFUSED });
  });

  test("room ids: every party refuses an id that is not one, over HTTP and WebSocket, with the same sentence", async () => {
    const { roomIds } = await runAttack("names", { host: host(), room: "names-ids" });
    const sentence = roomIdProblem("r".repeat(300));
    expect(roomIds.map((entry) => entry.party)).toEqual(["main", "stateless", "stateless_occ"]);
    for (const entry of roomIds) expect(entry, entry.party).toMatchObject({ http: { status: 400, error: sentence }, socketRefused: true });
  });
});
