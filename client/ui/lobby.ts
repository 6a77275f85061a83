/**
 * The lobby: pick a name (remembered), and either create a room (picture, piece
 * count, rotation, server mode, listed in the public rooms or not), join or
 * watch a public room (room-directory.ts), or join the room a link points to. Every
 * refusal is a sentence next to the field it is about, decided by the same
 * rules the rooms apply (shared/names.ts, shared/room-id.ts) or read from the
 * link (lobby-link.ts).
 */
import type { Mode } from "../../shared/protocol.ts";
import { MAX_NAME_CHARS, normalizeName, visibleLength, type NameCheck } from "../../shared/names.ts";
import { gridFor, MAX_PIECES, MIN_PIECES, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { BUILT_IN_IMAGES } from "../images.ts";
import { uploadImage } from "../net/http-api.ts";
import { prepareUpload, type PreparedImage } from "./image-upload.ts";
import { element } from "./dom.ts";
import { readLobbyLink } from "./lobby-link.ts";
import { RoomDirectoryView } from "./room-directory.ts";
import { pollDirectory } from "../net/directory-api.ts";

const NAME_KEY = "puzzle-rooms:name";
/** Counts the slider suggests, where they fit under MAX_PIECES. */
const PIECE_PRESETS = [4, 24, 100, 300, 500, 1_000, 2_000, 5_000];

export interface LobbyResult {
  room: string;
  mode: Mode;
  name: string;
  create?: PuzzleOptions;
  /** The link's ?watch=1, or a public room's Watch: join as a watcher. */
  watch?: boolean;
  /** A private room's password: set by its creator, or typed by a joiner the room asked for it. */
  password?: string;
  /** With `create`: the creator listed the room in the public rooms. */
  listed?: boolean;
}

/** Why the stateless modes cannot be listed: shown next to the disabled choice. */
export const UNLISTABLE_MODE_TEXT = "Only stateful rooms can be listed: a stateless room has no room of its own to tell the lobby how it is doing.";

/** A room id: short, unguessable enough for a link, URL-safe. */
function newRoomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((byte) => (byte % 36).toString(36)).join("");
}

/** The name this browser last played under, when it is still a valid name. */
export function rememberedName(): string | null {
  const stored = localStorage.getItem(NAME_KEY);
  if (stored === null) return null;
  const check = normalizeName(stored);
  return check.ok ? check.name : null;
}

function setMessage(target: HTMLElement, text: string, isError: boolean): void {
  target.textContent = text;
  target.classList.toggle("error", isError);
}

/**
 * Shows the lobby and resolves once the player starts or joins a room.
 * `askPassword`: the room refused the last try for want of its password (the
 * sentence is `showError`): the join asks for it.
 */
export function runLobby(params: URLSearchParams, showError?: string, askPassword = false): Promise<LobbyResult> {
  const panel = element("lobby");
  const form = element<HTMLFormElement>("lobby-form");
  const nameInput = element<HTMLInputElement>("name");
  const nameHint = element("name-hint");
  const errorText = element("lobby-error");
  const startButton = element<HTMLButtonElement>("start");
  const pieceInput = element<HTMLInputElement>("piece-count");
  const rotationInput = element<HTMLInputElement>("rotation");
  const listedInput = element<HTMLInputElement>("listed");
  const listedHint = element("listed-hint");
  const directory = element("directory");
  const listedField = element("listed-field");
  const pieceLabel = element("piece-count-label");
  const pieceGrid = element("piece-grid");
  const uploadInput = element<HTMLInputElement>("upload");
  const uploadStatus = element("upload-status");
  const choices = element("image-choices");
  const createFields = element("create-fields");
  const modeField = element("mode-field");
  const modeError = element("mode-error");
  const joinInfo = element("join-info");
  const createPassword = element<HTMLInputElement>("create-password");
  const createPasswordHint = element("create-password-hint");
  const joinPasswordField = element("join-password-field");
  const joinPassword = element<HTMLInputElement>("join-password");
  const body = panel.querySelector<HTMLElement>(".lobby-body")!;

  pieceInput.min = String(MIN_PIECES);
  pieceInput.max = String(MAX_PIECES);
  element("piece-presets").replaceChildren(
    ...PIECE_PRESETS.filter((count) => count >= MIN_PIECES && count <= MAX_PIECES).map((count) => Object.assign(document.createElement("option"), { value: String(count) })),
  );

  const link = readLobbyLink(params);
  panel.hidden = false;
  choices.replaceChildren();
  const joiningForPassword = askPassword && link.room !== null;
  // A password refusal is said beside the password field, not twice.
  errorText.textContent = joiningForPassword ? "" : (showError ?? "");
  joinPasswordField.hidden = !joiningForPassword;
  joinPassword.value = "";
  setMessage(element("join-password-hint"), joiningForPassword ? (showError ?? "") : "", true);
  setMessage(modeError, "", false);
  setMessage(uploadStatus, "", false);
  nameInput.value = localStorage.getItem(NAME_KEY) ?? "";

  const joining = link.room !== null;
  createFields.hidden = joining;
  listedField.hidden = joining;
  body.classList.toggle("joining", joining);
  joinInfo.hidden = !joining && link.roomProblem === null;
  startButton.textContent = joining ? (link.watch ? "Watch room" : "Join room") : "Create room";
  startButton.disabled = false;
  const verb = link.watch ? "Watching" : "Joining";
  if (link.room) joinInfo.textContent = link.mode ? `${verb} room ${link.room} (${link.mode}).` : `${verb} room ${link.room}: pick its server mode below.`;
  else if (link.roomProblem) joinInfo.textContent = `This link cannot open a room: ${link.roomProblem} Create a new room below instead.`;
  joinInfo.classList.toggle("error", link.roomProblem !== null || link.modeProblem !== null);
  // A join link names its mode; the choice is offered only when the link's mode is unknown.
  modeField.hidden = joining && link.mode !== null;
  const radios = [...form.querySelectorAll<HTMLInputElement>('input[name="mode"]')];
  // Only the stateful room keeps a password (the stateless backends have no host to check it).
  const showPasswordMode = () => {
    const stateful = chosenMode() === "stateful";
    createPassword.disabled = !stateful;
    setMessage(createPasswordHint, stateful ? "" : "Private rooms need the stateful room.", false);
  };
  // Listing is the stateful room's alone: the choice is off, with why, for the other modes.
  const showListable = (): void => {
    const listable = chosenMode() === "stateful";
    listedInput.disabled = !listable;
    if (!listable) listedInput.checked = false;
    listedHint.hidden = listable;
    setMessage(listedHint, listable ? "" : UNLISTABLE_MODE_TEXT, false);
  };
  for (const radio of radios) {
    radio.checked = radio.value === link.mode;
    radio.onchange = () => {
      setMessage(modeError, "", false);
      showPasswordMode();
      showListable();
    };
  }
  createPassword.value = "";
  showPasswordMode();
  if (link.modeProblem) setMessage(modeError, link.modeProblem, true);
  listedInput.checked = false;

  // ---- name ----
  // While typing, the count against the limit (or why the name will not do); on submit, also a blank name.
  const checkName = (submitting: boolean): NameCheck => {
    const raw = nameInput.value;
    const check = normalizeName(raw);
    if (check.ok || (raw.trim() === "" && !submitting)) {
      setMessage(nameHint, `${check.ok ? visibleLength(check.name) : 0} / ${MAX_NAME_CHARS} characters`, false);
      nameInput.removeAttribute("aria-invalid");
    } else {
      setMessage(nameHint, check.reason, true);
      nameInput.setAttribute("aria-invalid", "true");
    }
    return check;
  };
  nameInput.oninput = () => checkName(false);
  checkName(false);

  // ---- picture ----
  let chosen: { id: string; width: number; height: number } = BUILT_IN_IMAGES[0]!;
  let upload: PreparedImage | null = null;
  const buttons: HTMLButtonElement[] = [];
  const pictureSize = () => (upload ? { width: upload.width, height: upload.height } : { width: chosen.width, height: chosen.height });
  for (const image of BUILT_IN_IMAGES) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "image-choice";
    button.dataset.imageId = image.id;
    button.setAttribute("aria-pressed", String(image.id === chosen.id));
    button.innerHTML = `<img src="/images/${image.id}.svg" alt="" /><span></span>`;
    button.querySelector("span")!.textContent = image.title;
    button.addEventListener("click", () => {
      chosen = image;
      upload = null;
      uploadInput.value = "";
      setMessage(uploadStatus, "", false);
      for (const other of buttons) other.setAttribute("aria-pressed", String(other === button));
      showCount();
    });
    buttons.push(button);
    choices.append(button);
  }
  // Handlers are assigned, not added: the lobby can be shown again after a refused join.
  uploadInput.onchange = async () => {
    const file = uploadInput.files?.[0];
    if (!file) return;
    setMessage(uploadStatus, "Reading the picture…", false);
    startButton.disabled = true;
    try {
      upload = await prepareUpload(file);
      for (const other of buttons) other.setAttribute("aria-pressed", "false");
      setMessage(uploadStatus, `Using ${file.name} (${upload.width}x${upload.height}).`, false);
    } catch (error) {
      upload = null;
      uploadInput.value = "";
      setMessage(uploadStatus, (error as Error).message, true);
    } finally {
      startButton.disabled = false;
      showCount();
    }
  };

  // ---- pieces: the count the room will really have, rows x cols for this picture ----
  const pieceCount = () => Math.min(MAX_PIECES, Math.max(MIN_PIECES, Math.round(Number(pieceInput.value))));
  function showCount(): void {
    const { width, height } = pictureSize();
    const { rows, cols } = gridFor(pieceCount(), width, height);
    pieceLabel.textContent = (rows * cols).toLocaleString("en");
    pieceGrid.textContent = `${rows} rows × ${cols} columns, for this picture's shape`;
  }
  pieceInput.oninput = showCount;
  showCount();

  function chosenMode(): Mode | null {
    const value = new FormData(form).get("mode");
    return radios.some((radio) => radio.value === value) ? (value as Mode) : null;
  }
  showListable();

  return new Promise((resolve) => {
    // ---- public rooms: shown, and refreshed, while the landing page is open ----
    directory.hidden = joining;
    let stopDirectory = (): void => {};
    const leave = (result: LobbyResult): void => {
      stopDirectory();
      panel.hidden = true;
      resolve(result);
    };
    if (!joining) {
      const view = new RoomDirectoryView(element("directory-list"), element("directory-status"), (room, watch) => {
        errorText.textContent = "";
        const check = checkName(true);
        if (!check.ok) return nameInput.focus();
        localStorage.setItem(NAME_KEY, check.name);
        leave({ room, mode: "stateful", name: check.name, watch });
      });
      stopDirectory = pollDirectory(
        (listing) => view.show(listing),
        (reason) => view.failed(reason),
      );
    }
    form.onsubmit = async (event) => {
      event.preventDefault();
      errorText.textContent = "";
      const check = checkName(true);
      const mode = link.mode && joining ? link.mode : chosenMode();
      if (!mode) setMessage(modeError, link.modeProblem ?? "Pick a server mode.", true);
      if (!check.ok) nameInput.focus();
      if (!check.ok || !mode) return;
      const name = check.name;
      localStorage.setItem(NAME_KEY, name);
      if (link.room) {
        const typed = joinPassword.value;
        if (joiningForPassword && typed === "") {
          setMessage(element("join-password-hint"), "Enter the room's password.", true);
          return joinPassword.focus();
        }
        return leave({ room: link.room, mode, name, watch: link.watch, ...(joiningForPassword ? { password: typed } : {}) });
      }
      const room = newRoomId();
      startButton.disabled = true;
      try {
        let image = chosen;
        if (upload) {
          startButton.textContent = "Uploading picture…";
          const imageId = await uploadImage(room, upload.blob);
          image = { id: imageId, width: upload.width, height: upload.height };
        }
        const seed = crypto.getRandomValues(new Uint32Array(1))[0]!;
        const listed = mode === "stateful" && listedInput.checked;
        const password = mode === "stateful" && createPassword.value !== "" ? createPassword.value : undefined;
        leave({ room, mode, name, listed, create: { imageId: image.id, imageWidth: image.width, imageHeight: image.height, pieceCount: pieceCount(), seed, rotation: rotationInput.checked }, ...(password ? { password } : {}) });
      } catch (error) {
        errorText.textContent = `Could not create the room: ${(error as Error).message}`;
        startButton.textContent = "Create room";
        startButton.disabled = false;
      }
    };
  });
}
