/**
 * What the players panel's buttons do (issue 14): a name moves the camera to
 * that player's cursor; the host's kick and ban ask for a reason the player
 * will read (cancelling asks nothing of the room). The room checks every
 * command; these only ask.
 */
import { MAX_KICK_REASON_LENGTH } from "../../shared/host-controls.ts";
import type { PuzzleStore } from "../store/puzzle-store.ts";
import type { PlayerActions } from "./players-panel.ts";

export function playerActions(store: PuzzleStore, centerOn: (x: number, y: number) => void): PlayerActions {
  const ask = (question: string): string | null => {
    const answer = window.prompt(question, "");
    return answer === null ? null : answer.trim().slice(0, MAX_KICK_REASON_LENGTH);
  };
  return {
    jumpTo(playerId) {
      const at = store.cursorOf(playerId);
      if (at) centerOn(at.x, at.y);
      else store.notices.add("info", `${store.playerName(playerId)} has not moved their cursor over the table yet.`);
    },
    kick(playerId, name) {
      const reason = ask(`Remove ${name} from the room? They may come back. A reason they will read (optional):`);
      if (reason !== null) store.hostCommand({ control: "kick", playerId, ...(reason ? { reason } : {}) });
    },
    ban(playerId, name) {
      const reason = ask(`Ban ${name}? They are removed and cannot come back. A reason they will read (optional):`);
      if (reason !== null) store.hostCommand({ control: "ban", playerId, ...(reason ? { reason } : {}) });
    },
  };
}
