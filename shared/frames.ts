/**
 * Server frames as text, for every backend. A room writes thousands of frames a
 * second, so the frequent parts are built from strings instead of
 * JSON.stringify; each encoder's result is typed by the protocol type it
 * encodes (`Json<T>`), so a batch can only be assembled from events, and
 * tests/unit/frames.test.ts parses every encoder's output with the schemas.
 */
import type { BatchEvent, RejectReason, ServerMessage, WireHold, WirePieceChange, WireServerMessage, WireSnapshot, WireWelcome } from "./protocol.ts";

declare const encodes: unique symbol;
/** The JSON text of a `T`. */
export type Json<T> = string & { readonly [encodes]: T };

type EventOf<K extends BatchEvent["type"]> = Extract<BatchEvent, { type: K }>;

/** Any value of the protocol, by JSON.stringify: for what is not on a hot path. */
export function json<T>(value: T): Json<T> {
  return JSON.stringify(value) as Json<T>;
}

/** A whole server message as it is sent (a welcome's pieces packed), ready for `socket.send`. */
export function serverFrame(message: WireServerMessage): Json<WireServerMessage> {
  return json(message);
}

export function ackEvent(seq: number, version: number): Json<EventOf<"ack">> {
  return `{"type":"ack","seq":${seq},"version":${version}}` as Json<EventOf<"ack">>;
}

export function rejectEvent(seq: number, reason: RejectReason): Json<EventOf<"reject">> {
  return `{"type":"reject","seq":${seq},"reason":"${reason}"}` as Json<EventOf<"reject">>;
}

export function piecesEvent(pieces: readonly Json<WirePieceChange>[]): Json<EventOf<"pieces">> {
  return `{"type":"pieces","pieces":[${pieces.join(",")}]}` as Json<EventOf<"pieces">>;
}

export function holdsEvent(holds: readonly Json<WireHold>[]): Json<EventOf<"holds">> {
  return `{"type":"holds","holds":[${holds.join(",")}]}` as Json<EventOf<"holds">>;
}

/** A batch frame of events already encoded. */
export function batchFrame(version: number, events: readonly Json<BatchEvent>[]): Json<Extract<ServerMessage, { type: "batch" }>> {
  return `{"type":"batch","version":${version},"events":[${events.join(",")}]}` as Json<Extract<ServerMessage, { type: "batch" }>>;
}

/**
 * A welcome around a snapshot already encoded: a room encodes its snapshot
 * once per version and hands the same text to every joiner of a join storm.
 */
export function welcomeFrame(fields: Omit<WireWelcome, "snapshot">, snapshot: Json<WireSnapshot>): Json<WireWelcome> {
  const head = JSON.stringify(fields);
  return `${head.slice(0, -1)},"snapshot":${snapshot}}` as Json<WireWelcome>;
}
