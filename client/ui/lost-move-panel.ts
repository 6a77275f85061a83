/**
 * The lost-move panel: the HUD's lost-move counter opens it. It lists this
 * player's latest lost moves (the store's IntegrityTracker keeps them) and, in
 * the stateless modes, explains each from the store's evidence (GET
 * ?evidence=1): which write erased it, built on which revision, how much later,
 * drawn as a sequence diagram (shared/race-diagram.ts). Picking one shows the
 * piece on the table where the move left it and where it is now.
 */
import type { Mode } from "../../shared/protocol.ts";
import type { OverwriteEvidence, StoreEvidence, TracedWrite } from "../../shared/http.ts";
import { describeErasure, findErasure, raceDiagramSvg } from "../../shared/race-diagram.ts";
import type { LostMove } from "../store/integrity.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import { fetchEvidence } from "../net/http-api.ts";

/** Where a lost move should have left a piece and where it is: what the table highlights. */
export interface LostMoveMark {
  pieceId: number;
  expected: { x: number; y: number } | null;
  found: { x: number; y: number } | null;
}

const SHOWN_LOST_MOVES = 4;

export class LostMovePanel {
  private readonly box: HTMLElement;
  private readonly list: HTMLElement;
  /** The erasure the store's evidence names for a lost move, by its seq. */
  private readonly explained = new Map<number, { overwrite: OverwriteEvidence; erased: TracedWrite }>();
  private fetched = false;
  private signature = "";
  private selected: number | null = null;

  constructor(
    private readonly store: PuzzleStore,
    private readonly room: string,
    counter: HTMLElement,
    private readonly highlight: (mark: LostMoveMark | null) => void,
  ) {
    this.box = document.createElement("section");
    this.box.id = "lost-panel";
    this.box.className = "lost-panel";
    this.box.hidden = true;
    this.box.setAttribute("aria-label", "Lost moves");
    const head = document.createElement("header");
    const title = document.createElement("strong");
    title.textContent = "Lost moves";
    const close = document.createElement("button");
    close.type = "button";
    close.className = "lost-close";
    close.textContent = "×";
    close.setAttribute("aria-label", "Close");
    close.addEventListener("click", () => this.toggle(false));
    head.append(title, close);
    this.list = document.createElement("div");
    this.list.className = "lost-list";
    this.box.append(head, this.list);
    document.body.append(this.box);

    counter.setAttribute("role", "button");
    counter.tabIndex = 0;
    counter.addEventListener("click", () => this.toggle(!this.open));
    counter.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") this.toggle(!this.open);
    });
  }

  get open(): boolean {
    return this.box.hidden === false;
  }

  toggle(open: boolean): void {
    this.box.hidden = !open;
    if (!open) {
      this.selected = null;
      this.highlight(null);
      return;
    }
    this.render();
    void this.refresh();
  }

  /**
   * Called on every HUD render. A new lost move fetches the evidence at once,
   * open or not: the store keeps only its latest overwrites, so the write that
   * erased it is asked for while the store still has it.
   */
  update(): void {
    const signature = this.store.integrity.latestLost.map((lost) => lost.seq).join(",");
    if (signature === this.signature) return;
    this.signature = signature;
    if (this.open) this.render();
    void this.refresh();
  }

  private async refresh(): Promise<void> {
    const mode: Mode = this.store.mode;
    try {
      const evidence = await fetchEvidence(mode, this.room);
      if (evidence) this.explain(evidence);
    } catch (error) {
      console.error(`the lost-move evidence could not be read: ${String(error)}`);
    }
    if (this.open) this.render();
  }

  /** Keeps the erasure of every listed lost move the evidence names (later answers may have dropped it from the ring). */
  private explain(evidence: StoreEvidence): void {
    this.fetched = true;
    for (const lost of this.store.integrity.latestLost) {
      if (this.explained.has(lost.seq)) continue;
      const found = findErasure(evidence.overwrites, this.store.myId, lost.seq);
      if (found) this.explained.set(lost.seq, found);
    }
    const listed = new Set(this.store.integrity.latestLost.map((lost) => lost.seq));
    for (const seq of this.explained.keys()) if (!listed.has(seq)) this.explained.delete(seq);
  }

  private render(): void {
    const latest = [...this.store.integrity.latestLost].slice(-SHOWN_LOST_MOVES).reverse();
    if (latest.length === 0) {
      const empty = document.createElement("p");
      empty.className = "lost-empty";
      empty.textContent =
        this.store.mode === "stateful"
          ? "None: one room object applies every move in order."
          : "None yet. When a write built on an old revision erases one of your moves, it shows here.";
      this.list.replaceChildren(empty);
      return;
    }
    this.list.replaceChildren(...latest.map((lost) => this.item(lost)));
  }

  private item(lost: LostMove): HTMLElement {
    const item = document.createElement("article");
    item.className = `lost-item${this.selected === lost.seq ? " selected" : ""}`;
    item.dataset.seq = String(lost.seq);
    const found = this.explained.get(lost.seq);
    const sentence = document.createElement("p");
    if (found) {
      sentence.textContent = describeErasure(found.overwrite, found.erased);
      const diagram = document.createElement("div");
      diagram.className = "lost-diagram";
      // Markup from shared/race-diagram.ts: every text in it is escaped there.
      diagram.innerHTML = raceDiagramSvg(found.overwrite, found.erased);
      item.append(sentence, diagram);
    } else {
      const what = lost.kind === "drop" ? `Your drop of piece ${lost.pieceId}` : `Your grab of piece ${lost.pieceId}`;
      sentence.textContent = `${what} (acked at version ${lost.ackVersion.toLocaleString("en-US")}) is gone from the stored state${this.fetched && this.store.mode === "stateless" ? "; the store's trace no longer holds the write that erased it." : "."}`;
      item.append(sentence);
    }
    const show = document.createElement("button");
    show.type = "button";
    show.className = "lost-show";
    show.textContent = this.selected === lost.seq ? "Hide on table" : "Show on table";
    show.addEventListener("click", () => {
      this.selected = this.selected === lost.seq ? null : lost.seq;
      this.highlight(this.selected === null ? null : { pieceId: lost.pieceId, expected: lost.expected, found: this.foundNow(lost) });
      this.render();
    });
    item.append(show);
    return item;
  }

  /** Where the piece is now (it may have moved since the check found the loss). */
  private foundNow(lost: LostMove): { x: number; y: number } | null {
    const piece = this.store.view?.pieces[lost.pieceId];
    return piece ? { x: piece.x, y: piece.y } : lost.found;
  }
}
