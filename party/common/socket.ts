/**
 * A socket as the transport-free cores see it (three members, as tldraw's
 * sync room does), and the two ways they write to one.
 */
import { MAX_CLOSE_REASON_BYTES, type ErrorCode, type ServerMessage } from "../../shared/protocol.ts";
import { serverFrame } from "../../shared/frames.ts";

/** The three members of a socket a room needs. */
export interface RoomSocket {
  /** Unique among the sockets a room has had (the boundary makes it so: socket-guard.ts). */
  readonly id: string;
  send(frame: string): void;
  close(code: number, reason: string): void;
  /** The client's address, where the runtime shows it (Cloudflare's CF-Connecting-IP); for quotas. */
  readonly address?: string;
}

export function sendMessage(socket: RoomSocket, message: ServerMessage): void {
  socket.send(serverFrame(message));
}

export function sendError(socket: RoomSocket, code: ErrorCode, message: string): void {
  sendMessage(socket, { type: "error", code, message });
}

const utf8 = new TextEncoder();

/** `reason` cut to what a WebSocket close frame can carry, at a character boundary. */
export function closeReason(reason: string): string {
  if (utf8.encode(reason).length <= MAX_CLOSE_REASON_BYTES) return reason;
  let cut = reason;
  while (utf8.encode(`${cut}…`).length > MAX_CLOSE_REASON_BYTES) cut = [...cut].slice(0, -1).join("");
  return `${cut}…`;
}

/**
 * Wraps a runtime socket so that a send racing its close is dropped instead of
 * throwing: the close event follows and removes the session, and one closing
 * socket must never abort a frame loop serving everyone else.
 */
export function tolerantSocket(socket: RoomSocket): RoomSocket {
  return {
    id: socket.id,
    send(frame) {
      try {
        socket.send(frame);
      } catch {
        // The socket closed under us; its close handler cleans up.
      }
    },
    close(code, reason) {
      try {
        socket.close(code, closeReason(reason));
      } catch {
        // Already closed.
      }
    },
  };
}
