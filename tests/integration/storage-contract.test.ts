/**
 * The storage contract against real Durable Object storage: a tiny PartyKit
 * project (testkit/storage-contract-room/) runs every rule of
 * testkit/storage-contract.ts inside `partykit dev` and reports each verdict.
 */
import { fileURLToPath } from "node:url";
import * as v from "valibot";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startPartykitDev, type PartykitDev } from "../../testkit/partykit-dev.ts";
import { STORAGE_CONTRACT, StorageVerdictSchema } from "../../testkit/storage-contract.ts";

let server: PartykitDev;
beforeAll(async () => {
  server = await startPartykitDev({ cwd: fileURLToPath(new URL("../../testkit/storage-contract-room/", import.meta.url)) });
});
afterAll(async () => {
  await server?.stop();
});

test("real partykit dev storage keeps every rule of the storage contract", async () => {
  const response = await fetch(`${server.url}/parties/main/contract-${Date.now()}/contract`);
  expect(response.status).toBe(200);
  const verdicts = v.parse(v.array(StorageVerdictSchema), await response.json());
  expect(verdicts.map((verdict) => verdict.id)).toEqual(STORAGE_CONTRACT.map((rule) => rule.id));
  expect(verdicts.filter((verdict) => !verdict.passed)).toEqual([]);
});
