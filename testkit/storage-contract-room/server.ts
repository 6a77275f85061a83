/**
 * The storage contract inside the real runtime: a PartyKit project of its own
 * (started with startPartykitDev({ cwd })) whose room runs every rule of
 * testkit/storage-contract.ts against its Durable Object storage and answers
 * each rule's verdict as JSON. tests/integration/storage-contract.test.ts
 * asserts they all pass.
 *
 *   GET /parties/main/<room>/contract -> StorageVerdict[] (use a fresh room id per run)
 *   anything else                     -> 200, for the launcher's readiness probe
 */
import type * as Party from "partykit/server";
import { runStorageContract } from "../storage-contract.ts";

export default class StorageContractRoom implements Party.Server {
  constructor(readonly room: Party.Room) {}

  async onRequest(request: Party.Request): Promise<Response> {
    if (!new URL(request.url).pathname.endsWith("/contract")) return new Response("storage contract room");
    return Response.json(await runStorageContract(this.room.storage));
  }
}
