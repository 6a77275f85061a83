/**
 * One `partykit dev` for a test file, on a frozen copy of the project (so the
 * runtime's restart-on-change cannot fire mid-test when other work edits the
 * tree): started before the file's tests, stopped and removed after them.
 * Only test files import this module (it registers vitest hooks).
 */
import { afterAll, beforeAll } from "vitest";
import { startPartykitDev, type PartykitDev } from "./partykit-dev.ts";
import { snapshotProject, type ProjectSnapshot } from "./project-snapshot.ts";

export interface FileServer {
  /** The running server; read it inside tests, after the file's set-up. */
  readonly server: PartykitDev;
  /** `127.0.0.1:<port>`, what socket clients take as their host. */
  host(): string;
}

export function serverPerFile(vars: Record<string, string> = {}): FileServer {
  let server: PartykitDev | undefined;
  let project: ProjectSnapshot | undefined;
  beforeAll(async () => {
    project = snapshotProject();
    server = await startPartykitDev({ cwd: project.dir, vars });
  });
  afterAll(async () => {
    await server?.stop();
    project?.remove();
  });
  const running = (): PartykitDev => {
    if (!server) throw new Error("the file's server is read before its set-up ran");
    return server;
  };
  return {
    get server() {
      return running();
    },
    host: () => `127.0.0.1:${running().port}`,
  };
}
