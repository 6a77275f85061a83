/**
 * Where a load run sends its players: a local `partykit dev` it starts (and can
 * read CPU time from) or a running/deployed server given by `--host`.
 */
import { processGroupCpu, type ProcessCpu } from "./process-cpu.ts";
import { startPartykitDev, type PartykitDev } from "../../testkit/partykit-dev.ts";
import { httpBaseOf } from "../../testkit/room-http.ts";
import { varsFor, type ModeSettings } from "./mode-settings.ts";
import { snapshotProject } from "../../testkit/project-snapshot.ts";

export interface ServerTarget {
  /** What ProtocolClient takes as `host`. */
  host: string;
  /** Base URL for HTTP requests to rooms, e.g. https://<project>.<user>.partykit.dev */
  httpBase: string;
  local: boolean;
  /** CPU readings of the server's processes; null when the server is not ours. */
  readCpu(): ProcessCpu[] | null;
  close(): Promise<void>;
}

const openTargets = new Set<ServerTarget>();
let signalsHandled = false;

/** Ctrl-C (or a kill) must not leave a partykit dev running behind the script. */
function stopServersOnSignals(): void {
  if (signalsHandled) return;
  signalsHandled = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void Promise.allSettled([...openTargets].map((target) => target.close())).then(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  }
}

export async function openTarget(host: string | undefined, settings: ModeSettings): Promise<ServerTarget> {
  if (host) {
    return { host, httpBase: httpBaseOf(host), local: false, readCpu: () => null, close: async () => {} };
  }
  const snapshot = snapshotProject();
  let dev: PartykitDev;
  try {
    dev = await startPartykitDev({ vars: varsFor(settings), cwd: snapshot.dir });
  } catch (error) {
    snapshot.remove();
    throw error;
  }
  const target: ServerTarget = {
    host: `127.0.0.1:${dev.port}`,
    httpBase: dev.url,
    local: true,
    readCpu: () => processGroupCpu(dev.pid),
    close: async () => {
      openTargets.delete(target);
      await dev.stop();
      snapshot.remove();
    },
  };
  openTargets.add(target);
  stopServersOnSignals();
  return target;
}
