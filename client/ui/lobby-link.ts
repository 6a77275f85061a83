/**
 * What a link to the page asks of the lobby: `?room=` to join a room and
 * `?mode=` for its server mode (or, on the landing page, the mode to
 * preselect). A malformed room id or an unknown mode is refused with a
 * sentence naming what is valid, never replaced by a guess. No DOM: tests read
 * links in Node.
 */
import { MODES, type Mode } from "../../shared/protocol.ts";
import { roomIdProblem } from "../../shared/room-id.ts";
import { MAX_PASSWORD_LENGTH, PASSWORD_FRAGMENT_KEY } from "../../shared/host-controls.ts";

export interface LobbyLink {
  /** A valid room id to join, or null. */
  room: string | null;
  /** Why the link's room id is refused, or null. */
  roomProblem: string | null;
  /** The server mode: the link's, "stateful" when it names none, null when it names an unknown one. */
  mode: Mode | null;
  /** Why the link's mode is refused, or null. */
  modeProblem: string | null;
  /** `?watch=1`: join as a watcher. */
  watch: boolean;
}

export function parseMode(value: string | null): Mode | null {
  return MODES.find((mode) => mode === value) ?? null;
}

/** The sentence for a mode that is not one, naming the valid ones. */
export function modeProblem(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return `"${shown}" is not a server mode: the modes are ${MODES.slice(0, -1).join(", ")} and ${MODES[MODES.length - 1]}.`;
}

export function readLobbyLink(params: URLSearchParams): LobbyLink {
  const roomParam = params.get("room") ?? "";
  const modeParam = params.get("mode") ?? "";
  const roomProblem = roomParam === "" ? null : roomIdProblem(roomParam);
  const mode = modeParam === "" ? "stateful" : parseMode(modeParam);
  return {
    room: roomParam !== "" && roomProblem === null ? roomParam : null,
    roomProblem,
    mode,
    modeProblem: mode === null ? modeProblem(modeParam) : null,
    watch: params.get("watch") === "1",
  };
}

/**
 * The password an invite link carries in its fragment (`#pw=...`): a fragment
 * never reaches a server, so no server's logs hold it. Null when there is none,
 * or what is there cannot be a password.
 */
export function passwordFromFragment(hash: string): string | null {
  const password = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash).get(PASSWORD_FRAGMENT_KEY);
  return password !== null && password !== "" && password.length <= MAX_PASSWORD_LENGTH ? password : null;
}

/** The fragment that carries `password` in an invite link. */
export function passwordFragment(password: string): string {
  return new URLSearchParams({ [PASSWORD_FRAGMENT_KEY]: password }).toString();
}
