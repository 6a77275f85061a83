import { afterAll, beforeAll, expect, test } from "vitest";
import { startPartykitDev, type PartykitDev } from "../../scripts/lib/partykit-dev.ts";
import { ProtocolClient } from "../../scripts/lib/protocol-client.ts";

let server: PartykitDev;
beforeAll(async () => {
  server = await startPartykitDev();
});
afterAll(async () => {
  await server?.stop();
});

test("smoke", async () => {
  const create = { imageId: "test", imageWidth: 400, imageHeight: 400, pieceCount: 4, seed: 1 };
  const a = await ProtocolClient.join({ host: `127.0.0.1:${server.port}`, room: "smoke", name: "A", create });
  const b = await ProtocolClient.join({ host: `127.0.0.1:${server.port}`, room: "smoke", name: "B" });
  const g = await a.answered(a.act({ type: "grab", pieceId: 0 }));
  const m = await a.answered(a.act({ type: "move", pieceId: 0, x: 10, y: 10 }));
  expect(g.ackedAtMs).toBeDefined();
  expect(m.ackedAtMs).toBeDefined();
  await b.until(() => b.replica!.puzzle.pieces[0]!.x === 10);
  const bg = await b.answered(b.act({ type: "grab", pieceId: 0 }));
  expect(bg.rejected).toBe("held-by-other");
  a.close();
  b.close();
});
