/**
 * The boundary of every room-like party: each client frame is validated and
 * handed to the room's handler for its kind; a bad one gets a typed error, and
 * a handler that fails (by throwing, or by rejecting its promise) gets the
 * client a server-error and the log one line, never a crash or an unhandled
 * rejection.
 */
import { CLOSE_REFUSED, parseClientFrame, type ActionMessage, type ClientMessage, type Hello } from "../../shared/protocol.ts";
import type { Chat, Mark } from "../../shared/chat.ts";
import { frameType } from "./socket-guard.ts";
import { WATCHING_NOT_OFFERED, type Connecting, type Joined, type Joining, type Session } from "./player-roster.ts";
import { sendError, sendMessage, type RoomSocket } from "./socket.ts";
import type { HostMessage } from "../../shared/host-controls.ts";

/**
 * What a room does with each kind of valid frame; the dispatcher handles the
 * rest. A hello reaches the room only from a connecting session, an action or
 * a cursor only from a joined one. A handler may return a promise: the
 * dispatcher catches what it rejects with.
 */
export interface FrameHandlers<J extends Joined> {
  hello(session: Connecting, hello: Hello): void | Promise<void>;
  act(session: J, action: ActionMessage): void | Promise<void>;
  /** A joined player's cursor, rounded to table pixels. */
  cursor(session: J, x: number, y: number): void;
  /** A watcher asks for a player seat; a room without it (the hubs) answers that it offers no watching. */
  seat?(session: J): void;
  /** A chat line and a mark on the table (shared/chat.ts), from a player or a watcher. */
  chat(session: J, chat: Chat): void;
  mark(session: J, mark: Mark): void;
  /** The host's command (issue 14); a room without one (the hubs) answers that it has no host controls. */
  host?(session: J, message: HostMessage): void;
  now(): number;
}

/**
 * Validates one client frame and hands it to the room: a bad frame gets a typed
 * error, a ping its pong, a second hello already-joined, and an action or a
 * cursor before hello not-joined. A first hello the schema refuses (a name
 * shared/names.ts refuses, a field missing) is closed (4006) with the reason:
 * sent again, it would be refused again.
 */
export function dispatchFrame<J extends Joined>(session: Session<J, Joining>, frame: string | ArrayBuffer | ArrayBufferView, handlers: FrameHandlers<J>): void {
  const parsed = parseClientFrame(frame);
  if (!parsed.ok) {
    sendError(session.socket, parsed.code, parsed.message);
    if (session.state === "connecting" && frameType(frame) === "hello") session.socket.close(CLOSE_REFUSED, parsed.message);
    return;
  }
  const message = parsed.message;
  let handled: void | Promise<void>;
  try {
    handled = route(session, message, handlers);
  } catch (error) {
    return failed(session.socket, message, error);
  }
  if (handled) handled.catch((error: unknown) => failed(session.socket, message, error));
}

function route<J extends Joined>(session: Session<J, Joining>, message: ClientMessage, handlers: FrameHandlers<J>): void | Promise<void> {
  switch (message.type) {
    case "hello":
      if (session.state !== "connecting") return sendError(session.socket, "already-joined", "this connection has already joined");
      return handlers.hello(session, message);
    case "ping":
      return sendMessage(session.socket, { type: "pong", t: message.t, serverTimeMs: handlers.now() });
    case "cursor":
      if (session.state !== "joined") return sendError(session.socket, "not-joined", "send hello first");
      return handlers.cursor(session, Math.round(message.x), Math.round(message.y));
    case "grab":
    case "move":
    case "drop":
    case "rotate":
      if (session.state !== "joined") return sendError(session.socket, "not-joined", "send hello first");
      return handlers.act(session, message);
    case "seat":
      if (session.state !== "joined") return sendError(session.socket, "not-joined", "send hello first");
      if (!handlers.seat) return sendError(session.socket, "watching", WATCHING_NOT_OFFERED);
      return handlers.seat(session);
    case "chat":
    case "mark":
      if (session.state !== "joined") return sendError(session.socket, "not-joined", "send hello first");
      return message.type === "chat" ? handlers.chat(session, message) : handlers.mark(session, message);
    case "host":
      if (session.state !== "joined") return sendError(session.socket, "not-joined", "send hello first");
      if (!handlers.host) return sendError(session.socket, "host-controls-off", "host controls need the stateful room: the stateless modes have no host");
      return handlers.host(session, message);
    default: {
      const unreachable: never = message;
      return unreachable;
    }
  }
}

/** A handler failed in a way it did not expect: one log line, and a typed error the client can show. */
function failed(socket: RoomSocket, message: ClientMessage, error: unknown): void {
  reportFailure(`a ${message.type} from connection ${socket.id}`, error);
  sendError(socket, "server-error", `the server failed to handle your ${message.type}; please try again`);
}

/** Logs one line naming what failed and why (no stack: one failure, one line). */
export function reportFailure(what: string, error: unknown): void {
  console.error(`server error: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
}
