/**
 * The listed room's reporter on PartyKit: its wake-ups (the room's storage
 * alarm, through server.ts `wakeAt`), its storage, and its post to the
 * directory party, a call on the directory's Durable Object binding
 * (`room.context.parties.directory`) that never leaves the runtime and never
 * passes the directory's outside door (party/directory/server.ts).
 */
import type * as Party from "partykit/server";
import { DirectoryReporter } from "./directory-reporter.ts";
import { readDirectorySettings } from "../directory/directory-settings.ts";
import { DIRECTORY_PARTY, DIRECTORY_ROOM, type DirectoryReport } from "../../shared/directory.ts";
import type { RoomSummary } from "../../shared/http.ts";

/**
 * What a post needs from the runtime, read when the room object is built.
 * PartyKit 0.0.115 forbids `room.id` and `room.context.parties` inside
 * `onAlarm`, where heartbeats now go out, so both are read beforehand; and an
 * object the alarm itself built (it woke a sleeping room) has neither for its
 * whole life (`Party.id is not yet initialized`): it has no link, and its
 * reporter stays silent until a socket or a request builds the room again.
 */
interface DirectoryLink {
  roomId: string;
  directory: Party.Stub;
}

/**
 * The reporter of `room`, which reads its counts from `summary`, sends
 * heartbeats while `alive`, and asks `wakeAt` for its wake-ups (the room calls
 * the reporter's `wake()` on every alarm).
 */
export function directoryReporterFor(room: Party.Room, summary: () => RoomSummary, alive: () => boolean, wakeAt: (atMs: number) => void): DirectoryReporter {
  const settings = readDirectorySettings(room.env);
  const link = linkOf(room);
  return new DirectoryReporter(
    {
      storage: room.storage,
      now: () => Date.now(),
      wakeAt,
      roomId: link?.roomId ?? null,
      summary,
      alive,
      // A room with a join password is never listed (issue 14's private rooms): the
      // creating hello's password is what makes the room private (room-host.ts).
      passwordProtected: (hello) => hello.password !== undefined,
      // Without a link the roomId is null too, and the reporter builds no report.
      post: (report) => {
        if (link) void post(link, report);
      },
    },
    { reportIntervalMs: settings.reportIntervalMs, heartbeatMs: settings.heartbeatMs },
  );
}

function linkOf(room: Party.Room): DirectoryLink | null {
  let roomId: string;
  let parties: Party.Context["parties"];
  try {
    roomId = room.id;
    parties = room.context.parties;
  } catch {
    // Built by the alarm (see DirectoryLink): nothing to report with.
    return null;
  }
  const directory = parties[DIRECTORY_PARTY];
  if (!directory) {
    console.error(`partykit.json has no "${DIRECTORY_PARTY}" party: room ${roomId} cannot be listed`);
    return null;
  }
  return { roomId, directory: directory.get(DIRECTORY_ROOM) };
}

async function post({ roomId, directory }: DirectoryLink, report: DirectoryReport): Promise<void> {
  try {
    const response = await directory.fetch({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(report) });
    if (!response.ok) console.error(`the directory refused room ${roomId}'s report (HTTP ${response.status}): ${await response.text()}`);
  } catch (error) {
    // The next heartbeat tries again; a directory that stays away only costs the listing.
    console.error(`room ${roomId} could not reach the directory: ${String(error)}`);
  }
}
