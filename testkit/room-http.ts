/**
 * A room's HTTP answers as tests and load scripts read them: `GET
 * /parties/<party>/<room>` (the summary) and `?state=1` (the summary and the
 * authoritative or stored snapshot), validated with shared/http.ts, never cast.
 */
import { LogPageSchema, parseBody, RoomStateSchema, RoomSummarySchema, StoreEvidenceSchema, type LogPage, type RoomState, type RoomSummary, type StoreEvidence } from "../shared/http.ts";
import type { Snapshot } from "../shared/protocol.ts";
import { hostAndProtocol } from "./protocol-client.ts";

/** A room's state once its puzzle exists. */
export type CreatedRoomState = RoomState & { snapshot: Snapshot };

/** The HTTP base URL for a host as ProtocolClient takes it: https for https/wss, http otherwise. */
export function httpBaseOf(target: string): string {
  const { host, protocol } = hostAndProtocol(target);
  return `${protocol === "wss" ? "https" : "http"}://${host}`;
}

/** GET /parties/<party>/<room>, the room's JSON summary (`?state=1` adds the snapshot). */
export function roomUrl(httpBase: string, party: string, room: string, withState: boolean): string {
  return `${httpBase}/parties/${encodeURIComponent(party)}/${encodeURIComponent(room)}${withState ? "?state=1" : ""}`;
}

/** The room's summary; throws on an error status or a body that is not one. */
export async function fetchRoomSummary(httpBase: string, party: string, room: string): Promise<RoomSummary> {
  const url = roomUrl(httpBase, party, room, false);
  return parseBody(RoomSummarySchema, await fetchJson(url), `GET ${url}`);
}

/** The room's summary with what the limits did there (`?limits=1`: the guard's counters, where the server keeps them). */
export async function fetchRoomLimits(httpBase: string, party: string, room: string): Promise<RoomSummary> {
  const url = `${roomUrl(httpBase, party, room, false)}?limits=1`;
  return parseBody(RoomSummarySchema, await fetchJson(url), `GET ${url}`);
}

/** The room's summary and snapshot; throws as fetchRoomSummary does, and when the room has no puzzle. */
export async function fetchRoomState(httpBase: string, party: string, room: string): Promise<CreatedRoomState> {
  const url = roomUrl(httpBase, party, room, true);
  const state = parseBody(RoomStateSchema, await fetchJson(url), `GET ${url}`);
  const { snapshot } = state;
  if (!snapshot) throw new Error(`GET ${url} returned no snapshot`);
  return { ...state, snapshot };
}

/** GET /parties/main/<room>/log, from entry `from` (the log's first when undefined). */
export function logUrl(httpBase: string, room: string, from: number | undefined): string {
  return `${httpBase}/parties/main/${encodeURIComponent(room)}/log${from === undefined ? "" : `?from=${from}`}`;
}

/** One page of the stateful room's action log; throws on an error status or a body that is not one. */
export async function fetchLogPage(httpBase: string, room: string, from: number | undefined): Promise<LogPage> {
  const url = logUrl(httpBase, room, from);
  return parseBody(LogPageSchema, await fetchJson(url), `GET ${url}`);
}

/** A stateless room's store evidence (`?evidence=1`): its latest overwrites, explained. */
export async function fetchRoomEvidence(httpBase: string, party: string, room: string): Promise<StoreEvidence> {
  const url = `${roomUrl(httpBase, party, room, false)}?evidence=1`;
  return parseBody(StoreEvidenceSchema, await fetchJson(url), `GET ${url}`);
}

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
  return response.json();
}
