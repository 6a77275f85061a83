/**
 * The lobby: pick a name (remembered), and either create a room (picture, piece
 * count, rotation, server mode) or join the room a link points to.
 */
import { MODES, type Mode } from "../../shared/protocol.ts";
import { MAX_PIECES, MIN_PIECES, type PuzzleOptions } from "../../shared/puzzle-spec.ts";
import { BUILT_IN_IMAGES } from "../images.ts";
import { uploadImage } from "../net/http-api.ts";
import { prepareUpload, type PreparedImage } from "./image-upload.ts";
import { element } from "./dom.ts";

const NAME_KEY = "puzzle-rooms:name";

export interface LobbyResult {
  room: string;
  mode: Mode;
  name: string;
  create?: PuzzleOptions;
  /** The link's ?watch=1: join as a watcher. */
  watch?: boolean;
}

/** A room id: short, unguessable enough for a link, URL-safe. */
function newRoomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((byte) => (byte % 36).toString(36)).join("");
}

export function parseMode(value: string | null): Mode | null {
  return MODES.find((mode) => mode === value) ?? null;
}

/** The name this browser last played under, if any. */
export function rememberedName(): string | null {
  return localStorage.getItem(NAME_KEY);
}

/** Shows the lobby and resolves once the player starts or joins a room. */
export function runLobby(params: URLSearchParams, showError?: string): Promise<LobbyResult> {
  const panel = element("lobby");
  const form = element<HTMLFormElement>("lobby-form");
  const nameInput = element<HTMLInputElement>("name");
  const errorText = element("lobby-error");
  const startButton = element<HTMLButtonElement>("start");
  const pieceInput = element<HTMLInputElement>("piece-count");
  const rotationInput = element<HTMLInputElement>("rotation");
  const pieceLabel = element("piece-count-label");
  const uploadInput = element<HTMLInputElement>("upload");
  const uploadStatus = element("upload-status");
  const choices = element("image-choices");
  pieceInput.min = String(MIN_PIECES);
  pieceInput.max = String(MAX_PIECES);

  panel.hidden = false;
  choices.replaceChildren();
  element("create-fields").hidden = false;
  element("join-info").hidden = true;
  startButton.textContent = "Create room";
  startButton.disabled = false;
  nameInput.value = localStorage.getItem(NAME_KEY) ?? "";
  errorText.textContent = showError ?? "";
  const joinRoom = params.get("room");
  const joinMode = parseMode(params.get("mode")) ?? "stateful";
  const watch = params.get("watch") === "1";
  if (joinRoom) {
    element("create-fields").hidden = true;
    const info = element("join-info");
    info.hidden = false;
    info.textContent = watch ? `Watching room ${joinRoom} (${joinMode}).` : `Joining room ${joinRoom} (${joinMode}).`;
    startButton.textContent = watch ? "Watch room" : "Join room";
  }

  let chosen: { id: string; width: number; height: number } = BUILT_IN_IMAGES[0]!;
  let upload: PreparedImage | null = null;
  const buttons: HTMLButtonElement[] = [];
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
      uploadStatus.textContent = "";
      for (const other of buttons) other.setAttribute("aria-pressed", String(other === button));
    });
    buttons.push(button);
    choices.append(button);
  }
  // Handlers are assigned, not added: the lobby can be shown again after a refused join.
  uploadInput.onchange = async () => {
    const file = uploadInput.files?.[0];
    if (!file) return;
    uploadStatus.textContent = "Reading the picture…";
    startButton.disabled = true;
    try {
      upload = await prepareUpload(file);
      for (const other of buttons) other.setAttribute("aria-pressed", "false");
      uploadStatus.textContent = `Using ${file.name} (${upload.width}x${upload.height}).`;
    } catch (error) {
      upload = null;
      uploadInput.value = "";
      uploadStatus.textContent = "";
      errorText.textContent = (error as Error).message;
    } finally {
      startButton.disabled = false;
    }
  };
  const showCount = () => (pieceLabel.textContent = pieceInput.value);
  pieceInput.oninput = showCount;
  showCount();

  return new Promise((resolve) => {
    form.onsubmit = async (event) => {
      event.preventDefault();
      errorText.textContent = "";
      const name = nameInput.value.trim();
      if (!name) return;
      localStorage.setItem(NAME_KEY, name);
      if (joinRoom) {
        panel.hidden = true;
        return resolve({ room: joinRoom, mode: joinMode, name, watch });
      }
      const mode = parseMode(new FormData(form).get("mode") as string | null) ?? "stateful";
      const room = newRoomId();
      startButton.disabled = true;
      try {
        let image = chosen;
        if (upload) {
          startButton.textContent = "Uploading picture…";
          const imageId = await uploadImage(room, upload.blob);
          image = { id: imageId, width: upload.width, height: upload.height };
        }
        const pieceCount = Math.min(MAX_PIECES, Math.max(MIN_PIECES, Number(pieceInput.value)));
        const seed = crypto.getRandomValues(new Uint32Array(1))[0]!;
        panel.hidden = true;
        resolve({ room, mode, name, create: { imageId: image.id, imageWidth: image.width, imageHeight: image.height, pieceCount, seed, rotation: rotationInput.checked } });
      } catch (error) {
        errorText.textContent = `Could not create the room: ${(error as Error).message}`;
        startButton.textContent = "Create room";
        startButton.disabled = false;
      }
    };
  });
}
