/**
 * The real client store's RoomLink over an in-process room, with a queue in
 * each direction that the test flushes by hand (tldraw's TestSocketPair): what
 * the store sends waits until the test delivers it to the room, and what the
 * room sends waits until the test delivers it to the store. It does what
 * client/net/connection.ts does around the store: says hello (with the last
 * welcome's token) when its socket opens, reports "open" once welcomed and
 * "reconnecting" when the socket drops; a dropped socket loses whatever was in
 * flight both ways, as a dead TCP connection does.
 */
import { RoomLinkListeners, type LinkState } from "../client/store/room-link.ts";
import type { RoomSocket } from "../party/common/socket.ts";
import { PROTOCOL_VERSION, parseServerFrame, type ClientMessage, type ServerMessage } from "../shared/protocol.ts";
import type { PuzzleOptions } from "../shared/puzzle-spec.ts";

/** What the link needs of a room: RoomCore's socket side. */
export interface LinkedRoom {
  connect(socket: RoomSocket): void;
  receive(socketId: string, frame: string): void;
  disconnect(socketId: string): void;
}

export class QueuedLink extends RoomLinkListeners {
  /** Frames the store sent that the room has not received yet. */
  readonly toRoom: string[] = [];
  /** Frames the room sent that the store has not received yet. */
  readonly toStore: string[] = [];
  /** Called with each frame the store sent, just before the room receives it (the room's state is still the one it will act on). */
  beforeRoom: ((frame: string, socketId: string) => void) | null = null;
  /** Called with each frame the room sends on this link's sockets, as it sends it (whether or not it is ever delivered). */
  roomSent: ((frame: string, socketId: string) => void) | null = null;
  private state: LinkState = "connecting";
  private socket: (RoomSocket & { open: boolean }) | null = null;
  private room: LinkedRoom | null = null;
  private sockets = 0;
  private token: string | undefined;

  constructor(
    readonly id: string,
    private readonly name: string,
    private readonly create?: PuzzleOptions,
  ) {
    super();
  }

  get linkState(): LinkState {
    return this.state;
  }

  get connected(): boolean {
    return this.socket !== null;
  }

  // ---- RoomLink ----

  send(message: ClientMessage): void {
    if (this.socket) this.toRoom.push(JSON.stringify(message));
  }

  // ---- driven by the test ----

  /** Opens a new socket to `room` and queues the hello. */
  open(room: LinkedRoom): void {
    if (this.socket) throw new Error(`${this.id} is already connected`);
    const queue = this.toStore;
    const sent = (frame: string, socketId: string) => this.roomSent?.(frame, socketId);
    const socket = {
      id: `${this.id}-s${++this.sockets}`,
      open: true,
      send(frame: string) {
        if (!socket.open) return;
        sent(frame, socket.id);
        queue.push(frame);
      },
      close() {
        socket.open = false;
      },
    };
    this.socket = socket;
    this.room = room;
    room.connect(socket);
    this.report("connecting");
    this.send({ type: "hello", protocol: PROTOCOL_VERSION, name: this.name, token: this.token, create: this.create });
  }

  /** The socket dies: both queues are lost, the room hears the close (unless it is gone itself), the store is told. */
  drop(roomHearsIt = true): void {
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.open = false;
    this.toRoom.length = 0;
    this.toStore.length = 0;
    if (roomHearsIt) this.room?.disconnect(socket.id);
    this.room = null;
    this.report("reconnecting");
  }

  /** Delivers up to `count` queued frames to the room. */
  deliverToRoom(count = Number.POSITIVE_INFINITY): number {
    let delivered = 0;
    while (delivered < count && this.toRoom.length > 0 && this.socket && this.room) {
      const frame = this.toRoom.shift()!;
      this.beforeRoom?.(frame, this.socket.id);
      this.room.receive(this.socket.id, frame);
      delivered++;
    }
    return delivered;
  }

  /** Delivers up to `count` queued frames to the store. */
  deliverToStore(count = Number.POSITIVE_INFINITY): number {
    let delivered = 0;
    while (delivered < count && this.toStore.length > 0) {
      const frame = this.toStore.shift()!;
      const parsed = parseServerFrame(frame);
      if (!parsed.ok) throw new Error(`${this.id}: the room sent a frame its own schema refuses (${parsed.message}): ${frame.slice(0, 200)}`);
      const message = parsed.message;
      if (message.type === "welcome") this.token = message.token;
      this.emitFrame(message);
      if (message.type === "welcome") this.report("open");
      // A socket the room closed (a resume elsewhere, a refusal) delivers what it sent, then is gone.
      if (this.socket && !this.socket.open && this.toStore.length === 0) this.drop();
      delivered++;
    }
    if (this.socket && !this.socket.open && this.toStore.length === 0) this.drop();
    return delivered;
  }

  private report(state: LinkState): void {
    this.state = state;
    this.emitStatus({ state, rttMs: null, refusal: null });
  }
}
