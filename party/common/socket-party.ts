/**
 * The WebSocket half of every room-like party: PartyKit's socket events handed
 * to a transport-free core. The stateful room and the stateless hubs extend it.
 */
import type * as Party from "partykit/server";
import { tolerantSocket, type RoomSocket } from "./socket.ts";

/** What a transport-free core takes from the sockets of its room. */
export interface SocketCore {
  connect(socket: RoomSocket): void;
  receive(socketId: string, frame: string | ArrayBuffer | ArrayBufferView): void;
  disconnect(socketId: string): void;
}

export abstract class SocketParty {
  protected abstract readonly core: SocketCore;

  onConnect(connection: Party.Connection): void {
    this.core.connect(tolerantSocket(connection));
  }

  onMessage(message: string | ArrayBuffer | ArrayBufferView, sender: Party.Connection): void {
    this.core.receive(sender.id, message);
  }

  onClose(connection: Party.Connection): void {
    this.core.disconnect(connection.id);
  }

  onError(connection: Party.Connection): void {
    this.core.disconnect(connection.id);
  }
}
