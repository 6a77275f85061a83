/**
 * The host's menu (issue 14): lock the room, make it watch-only, restart it
 * with a new picture. Its button in the top bar shows only for the host; the
 * room checks every command whatever this shows. Kick and ban sit beside the
 * names in the players panel (players-panel.ts).
 */
import type { PuzzleStore } from "../store/puzzle-store.ts";
import { BUILT_IN_IMAGES } from "../images.ts";
import { gridFor } from "../../shared/puzzle-spec.ts";
import { element } from "./dom.ts";

/** Piece counts the restart offers: a quick one, the lobby's default, and larger ones. */
const RESTART_PIECES = [24, 100, 300, 500, 1_000];

export class HostMenu {
  private readonly panel = element("host-menu");
  private readonly toggleButton = element<HTMLButtonElement>("host-toggle");
  private readonly lock = element<HTMLInputElement>("host-lock");
  private readonly watchOnly = element<HTMLInputElement>("host-watch-only");
  private readonly picture = element<HTMLSelectElement>("host-picture");
  private readonly pieces = element<HTMLSelectElement>("host-pieces");
  private wasHost = false;

  /** `changed` is told when the menu or its button shows or hides (the HUD's boxes changed). */
  constructor(
    private readonly store: PuzzleStore,
    private readonly changed: () => void,
  ) {
    this.picture.replaceChildren(...BUILT_IN_IMAGES.map((image) => Object.assign(document.createElement("option"), { value: image.id, textContent: image.title })));
    this.pieces.replaceChildren(...RESTART_PIECES.map((count) => Object.assign(document.createElement("option"), { value: String(count), textContent: `${count} pieces` })));
    this.pieces.value = "100";
    this.toggleButton.addEventListener("click", () => this.setOpen(this.panel.hasAttribute("hidden")));
    element("host-menu-close").addEventListener("click", () => this.setOpen(false));
    this.lock.addEventListener("change", () => store.hostCommand({ control: "lock", on: this.lock.checked }));
    this.watchOnly.addEventListener("change", () => store.hostCommand({ control: "watch-only", on: this.watchOnly.checked }));
    element("host-restart").addEventListener("click", () => this.restart());
    store.subscribe(() => this.render());
    this.render();
  }

  private setOpen(open: boolean): void {
    this.panel.hidden = !open;
    this.toggleButton.setAttribute("aria-expanded", String(open));
    this.changed();
  }

  private render(): void {
    const isHost = this.store.isHost;
    if (isHost !== this.wasHost) {
      this.wasHost = isHost;
      this.toggleButton.hidden = !isHost;
      if (!isHost) this.panel.hidden = true;
      this.changed();
    }
    const controls = this.store.controls;
    if (!controls) return;
    // What the room said wins over a click the room has not answered yet.
    this.lock.checked = controls.locked;
    this.watchOnly.checked = controls.watchOnly;
  }

  private restart(): void {
    const image = BUILT_IN_IMAGES.find((candidate) => candidate.id === this.picture.value) ?? BUILT_IN_IMAGES[0]!;
    const pieceCount = Number(this.pieces.value);
    const { rows, cols } = gridFor(pieceCount, image.width, image.height);
    if (!window.confirm(`Restart the room with ${image.title}, ${rows * cols} pieces? Everyone's progress starts over.`)) return;
    const seed = crypto.getRandomValues(new Uint32Array(1))[0]!;
    this.store.hostCommand({ control: "restart", create: { imageId: image.id, imageWidth: image.width, imageHeight: image.height, pieceCount, seed, rotation: this.store.view?.spec.rotation ?? false } });
  }
}
