/**
 * A bare WebSocket to a room, without partysocket and without manners: it picks
 * its own connection id (`_pk`), claims a client address (the CF-Connecting-IP
 * header Cloudflare would set), can stop reading its socket, and records every
 * frame and close. The attacks of testkit/attacks/ are made of these.
 */
import WebSocket from "ws";
import { PROTOCOL_VERSION, parseServerFrame, type ServerMessage } from "../shared/protocol.ts";
import type { PuzzleOptions } from "../shared/puzzle-spec.ts";
import { hostAndProtocol } from "./protocol-client.ts";

export interface RawSocketOptions {
  host: string;
  room: string;
  party?: string;
  connectionId?: string;
  address?: string;
  /** Answer the server's heartbeat (default false: an attacker's socket owes nothing). */
  answerHeartbeats?: boolean;
}

export class RawSocket {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  opened = false;
  private readonly openedPromise: Promise<void>;
  private readonly closedPromise: Promise<{ code: number; reason: string }>;

  constructor(options: RawSocketOptions) {
    const { host, protocol } = hostAndProtocol(options.host);
    const id = options.connectionId ?? crypto.randomUUID();
    const url = `${protocol}://${host}/parties/${options.party ?? "main"}/${encodeURIComponent(options.room)}?_pk=${encodeURIComponent(id)}`;
    this.ws = new WebSocket(url, options.address === undefined ? {} : { headers: { "cf-connecting-ip": options.address } });
    this.openedPromise = new Promise((resolve, reject) => {
      this.ws.once("open", () => {
        this.opened = true;
        resolve();
      });
      this.ws.once("error", reject);
    });
    // Awaited by open() only; a refused upgrade must not be an unhandled rejection otherwise.
    this.openedPromise.catch(() => undefined);
    this.closedPromise = new Promise((resolve) => {
      this.ws.once("close", (code, reason) => {
        this.closed = { code, reason: reason.toString() };
        resolve(this.closed);
      });
    });
    // An upgrade refused with an HTTP status surfaces as an error, then a close: the close is what counts.
    this.ws.on("error", () => undefined);
    this.ws.on("message", (data) => {
      const parsed = parseServerFrame(data.toString());
      if (!parsed.ok) return;
      this.messages.push(parsed.message);
      if (parsed.message.type === "ping" && options.answerHeartbeats) this.send(JSON.stringify({ type: "pong", t: parsed.message.t }));
    });
  }

  /** Resolves once open; rejects if the upgrade was refused. */
  open(): Promise<void> {
    return this.openedPromise;
  }

  /** Resolves with the close (whoever closed). */
  whenClosed(): Promise<{ code: number; reason: string }> {
    return this.closedPromise;
  }

  send(frame: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(frame);
  }

  hello(name: string, extra: { token?: string; create?: PuzzleOptions } = {}): void {
    this.send(JSON.stringify({ type: "hello", protocol: PROTOCOL_VERSION, name, ...extra }));
  }

  /** Resolves with the welcome, or throws with what came instead. */
  async welcomed(timeoutMs = 10_000): Promise<Extract<ServerMessage, { type: "welcome" }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const welcome = this.messages.find((message) => message.type === "welcome");
      if (welcome?.type === "welcome") return welcome;
      if (this.closed || Date.now() > deadline) throw new Error(`no welcome: ${JSON.stringify({ closed: this.closed, messages: this.messages.slice(0, 3) })}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops reading the socket: the kernel's buffers fill, then the server's. */
  stopReading(): void {
    (this.ws as unknown as { _socket: { pause(): void } })._socket.pause();
  }

  /** Drops the TCP connection without a close frame (a phone leaving a cell). */
  cut(): void {
    this.ws.terminate();
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.terminate();
  }
}
