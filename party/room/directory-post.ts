/**
 * The listed room's reporter on PartyKit: its timers, its storage, and its
 * post to the directory party, a call on the directory's Durable Object
 * binding (`room.context.parties.directory`) that never leaves the runtime
 * and never passes the directory's outside door (party/directory/server.ts).
 */
import type * as Party from "partykit/server";
import { DirectoryReporter } from "./directory-reporter.ts";
import { readDirectorySettings } from "../directory/directory-settings.ts";
import { DIRECTORY_PARTY, DIRECTORY_ROOM, type DirectoryReport } from "../../shared/directory.ts";
import type { RoomSummary } from "../../shared/http.ts";

/** The reporter of `room`, which reads its counts from `summary` and sends heartbeats while `alive`. */
export function directoryReporterFor(room: Party.Room, summary: () => RoomSummary, alive: () => boolean): DirectoryReporter {
  const settings = readDirectorySettings(room.env);
  return new DirectoryReporter(
    {
      storage: room.storage,
      now: () => Date.now(),
      after: (delayMs, callback) => {
        const timer = setTimeout(callback, delayMs);
        return () => clearTimeout(timer);
      },
      roomId: room.id,
      summary,
      alive,
      // A room with a join password is never listed (issue 14's private rooms): the
      // creating hello's password is what makes the room private (room-host.ts).
      passwordProtected: (hello) => hello.password !== undefined,
      post: (report) => void post(room, report),
    },
    { reportIntervalMs: settings.reportIntervalMs, heartbeatMs: settings.heartbeatMs },
  );
}

async function post(room: Party.Room, report: DirectoryReport): Promise<void> {
  const directory = room.context.parties[DIRECTORY_PARTY];
  if (!directory) return console.error(`partykit.json has no "${DIRECTORY_PARTY}" party: room ${room.id} cannot be listed`);
  try {
    const response = await directory.get(DIRECTORY_ROOM).fetch({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(report) });
    if (!response.ok) console.error(`the directory refused room ${room.id}'s report (HTTP ${response.status}): ${await response.text()}`);
  } catch (error) {
    // The next heartbeat tries again; a directory that stays away only costs the listing.
    console.error(`room ${room.id} could not reach the directory: ${String(error)}`);
  }
}
