/**
 * The stateless function, one PartyKit party standing for a FaaS deployment.
 * Each instance of this party is one warm container of the pool the hub spreads
 * invocations over. It keeps no game state between calls, only whether it has
 * booted: a fresh instance pays COLD_START_MS before serving, and the platform
 * recycles instances so that a share COLD_START_RATE of invocations land on a
 * fresh one. Only hubs reach it (party-to-party fetch); outside requests are refused.
 */
import type * as Party from "partykit/server";
import * as v from "valibot";
import type { ErrorBody } from "../../shared/http.ts";
import { readStatelessConfig, type StatelessConfig } from "./config.ts";
import { InvocationSchema, traceOf, type InvocationMetrics, type InvocationResult } from "./invocation.ts";
import { readModifyWrite } from "./read-modify-write.ts";
import { StoreClient, sleep } from "./store-client.ts";

/** The party names in partykit.json the stateless backend is made of. */
export const FUNCTION_PARTY = "fn";
export const STORE_PARTY = "store";

export default class StatelessFunction implements Party.Server {
  static options = { hibernate: false };

  private readonly config: StatelessConfig;
  /** Resolves once this instance has booted; replaced when the platform recycles it. */
  private booted: Promise<void> | null = null;

  constructor(readonly room: Party.Room) {
    this.config = readStatelessConfig(room.env);
  }

  static onBeforeRequest(): Response {
    return Response.json({ error: "functions are invoked by the stateless hubs only" } satisfies ErrorBody, { status: 403 });
  }

  static onBeforeConnect(): Response {
    return new Response("functions do not accept WebSocket connections", { status: 403 });
  }

  async onRequest(request: Party.Request): Promise<Response> {
    if (request.method !== "POST") return Response.json({ error: "invoke with POST" } satisfies ErrorBody, { status: 405 });
    let body: unknown;
    try {
      body = await request.json();
    } catch {
      return Response.json({ error: "invocation is not valid JSON" } satisfies ErrorBody, { status: 400 });
    }
    const parsed = v.safeParse(InvocationSchema, body);
    if (!parsed.success) return Response.json({ error: parsed.issues[0]?.message ?? "invalid invocation" } satisfies ErrorBody, { status: 400 });

    const startedAtMs = Date.now();
    const metrics: InvocationMetrics = { coldStart: await this.boot(), attempts: 0, conflicts: 0, storeBytesRead: 0, storeBytesWritten: 0, durationMs: 0 };
    const store = new StoreClient(this.room.context.parties[STORE_PARTY]!.get(parsed.output.documentId), this.config, traceOf(parsed.output, crypto.randomUUID()));
    const outcome = await readModifyWrite(parsed.output, { store, now: () => Date.now(), config: this.config }, metrics);
    metrics.durationMs = Date.now() - startedAtMs;
    return Response.json({ outcome, metrics } satisfies InvocationResult);
  }

  /** Waits until this instance is up; true when this invocation paid the boot. */
  private async boot(): Promise<boolean> {
    const recycled = this.booted !== null && Math.random() < this.config.coldStartRate;
    if (this.booted === null || recycled) {
      this.booted = sleep(this.config.coldStartMs);
      await this.booted;
      return true;
    }
    await this.booted;
    return false;
  }
}

