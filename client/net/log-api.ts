/**
 * The stateful room's action log over HTTP, for the replay viewer: one page of
 * `GET /parties/main/<room>/log?from=<index>`, validated with the shared schema
 * (shared/http.ts LogPage); a refusal's sentence becomes the error's message.
 */
import * as v from "valibot";
import { ErrorBodySchema, LogPageSchema, parseBody, type LogPage } from "../../shared/http.ts";
import { PARTY_FOR_MODE } from "../../shared/protocol.ts";

/** Only the stateful room keeps a log. */
const LOG_PARTY = PARTY_FOR_MODE.stateful;

export function logPath(room: string, from: number | undefined): string {
  return `/parties/${LOG_PARTY}/${encodeURIComponent(room)}/log${from === undefined ? "" : `?from=${from}`}`;
}

/** A page of the room's log from entry `from` (its first when undefined). */
export async function fetchLogPage(room: string, from: number | undefined): Promise<LogPage> {
  const response = await fetch(logPath(room, from), { cache: "no-store" });
  const body: unknown = await response.json().catch(() => null);
  if (!response.ok) throw new Error(v.is(ErrorBodySchema, body) ? body.error : `the room answered the replay's request with HTTP ${response.status}`);
  return parseBody(LogPageSchema, body, "the room's log");
}
