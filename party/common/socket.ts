/**
 * A socket as the transport-free cores see it (three members, as tldraw's
 * sync room does), and the two ways they write to one.
 */
import type { ErrorCode, ServerMessage } from "../../shared/protocol.ts";
import { serverFrame } from "../../shared/frames.ts";

/** The three members of a socket a room needs. */
export interface RoomSocket {
  readonly id: string;
  send(frame: string): void;
  close(code: number, reason: string): void;
}

export function sendMessage(socket: RoomSocket, message: ServerMessage): void {
  socket.send(serverFrame(message));
}

export function sendError(socket: RoomSocket, code: ErrorCode, message: string): void {
  sendMessage(socket, { type: "error", code, message });
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
        socket.close(code, reason);
      } catch {
        // Already closed.
      }
    },
  };
}
