/**
 * This player's optimistic actions: numbered when sent, kept while the room has
 * not answered, and retired once the replica holds their effect. The view
 * replays them on the replica; nothing else decides what they mean.
 */
import type { ActionMessage, Mode, PuzzleAction } from "../../shared/protocol.ts";

export interface PendingAction {
  seq: number;
  message: ActionMessage;
  sentAtMs: number;
  /** Set when acked; the action stays applied until the replica holds its effect. */
  ackedAtMs?: number;
  ackVersion?: number;
}

export class PendingActions {
  private readonly actions: PendingAction[] = [];
  private nextSeq = 1;
  private confirmByVersion = true;

  /** Oldest first, the order the room applies them in. */
  get list(): readonly PendingAction[] {
    return this.actions;
  }

  /**
   * How the mode confirms an action. The stateful room and stateless-occ commit
   * in version order, so an acked action is in the replica once the replica's
   * version (its last batch's) reaches the ack's. The naive stateless mode has
   * no commit order: concurrent functions write the same version and a stale
   * write goes back to an older one, so versions cannot tell; there the ack is
   * the confirmation, because its hub sends an action's changes in the frame
   * that acks it.
   */
  setMode(mode: Mode): void {
    this.confirmByVersion = mode !== "stateless";
  }

  /** Numbers an action with the next sequence number and keeps it until confirmed. */
  add(action: PuzzleAction, sentAtMs: number): PendingAction {
    const seq = this.nextSeq++;
    const pending: PendingAction = { seq, message: { ...action, seq } as ActionMessage, sentAtMs };
    this.actions.push(pending);
    return pending;
  }

  /** The room applied `seq` at `version`; returns the action, or undefined when it is not ours any more. */
  acked(seq: number, version: number, nowMs: number): PendingAction | undefined {
    const action = this.actions.find((candidate) => candidate.seq === seq);
    if (!action) return undefined;
    action.ackedAtMs = nowMs;
    action.ackVersion = version;
    return action;
  }

  /** The room refused `seq`: the action is gone from the view at the next derivation. */
  rejected(seq: number): PendingAction | undefined {
    const index = this.actions.findIndex((candidate) => candidate.seq === seq);
    if (index < 0) return undefined;
    return this.actions.splice(index, 1)[0];
  }

  /** Retires acked actions whose effect the replica (at `replicaVersion`) holds; true when any went. */
  confirm(replicaVersion: number): boolean {
    const before = this.actions.length;
    for (let index = this.actions.length - 1; index >= 0; index--) {
      const action = this.actions[index]!;
      if (action.ackVersion === undefined) continue;
      if (!this.confirmByVersion || replicaVersion >= action.ackVersion) this.actions.splice(index, 1);
    }
    return this.actions.length !== before;
  }

  /** Sent and not yet answered. */
  unanswered(): number {
    let count = 0;
    for (const action of this.actions) if (action.ackedAtMs === undefined) count++;
    return count;
  }

  /** True while a grab of this piece waits: what follows it fails for the grab's reason. */
  grabWaiting(pieceId: number): boolean {
    return this.actions.some((action) => action.message.type === "grab" && action.message.pieceId === pieceId);
  }

  /** A welcome voids whatever was in flight. */
  clear(): void {
    this.actions.length = 0;
  }
}
