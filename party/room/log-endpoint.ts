/**
 * `GET /parties/main/<room>/log?from=<index>`: a page of the room's action log
 * (shared/http.ts LogPage), for the replay viewer and anyone checking a room's
 * history. The query is validated with LogQuerySchema; a range the log does not
 * hold is refused with a sentence (ErrorBody, 400).
 */
import * as v from "valibot";
import { LogQuerySchema, type ErrorBody, type LogPage } from "../../shared/http.ts";
import type { RoomCore } from "./room-core.ts";

/** The path, under a room's, of its log. */
export const LOG_PATH = "/log";

const refuse = (error: string, status: number): Response => Response.json({ error } satisfies ErrorBody, { status, headers: CORS });
const CORS = { "access-control-allow-origin": "*" };

export async function handleLogRequest(url: URL, core: RoomCore): Promise<Response> {
  const query = v.safeParse(LogQuerySchema, Object.fromEntries(url.searchParams));
  if (!query.success) return refuse(`a log page starts at an entry index: ${query.issues[0]?.message ?? "bad query"}`, 400);
  const result = await core.logPage(query.output.from);
  if (!result) return refuse("this room has no puzzle, so there is no game to replay", 404);
  if (!result.ok) return refuse(result.error, result.status);
  return Response.json(result.page satisfies LogPage, { headers: CORS });
}
