// Every configuration file we read, from the client descriptors (./descriptors: one per client, each with
// the documentation it follows). User files first, then each workspace's shared files.
import { CLIENTS } from './descriptors';
import type { LocationEnv } from './env';
import type { ConfigLocation } from './entries';

export { appDataDir, configDir, currentLocationEnv, stateDir, type LocationEnv } from './env';
export { claudeCodeUserFile } from './descriptors';

export function clientLocations(e: LocationEnv): ConfigLocation[] {
  const locations: ConfigLocation[] = CLIENTS.flatMap((c) =>
    c.userFiles(e).map((f): ConfigLocation => ({ client: c.id, ...f, scope: 'user', shared: false })),
  );
  for (const ws of e.workspaces ?? []) {
    for (const c of CLIENTS)
      locations.push(
        ...c
          .workspaceFiles(ws, e)
          .map((f): ConfigLocation => ({ client: c.id, ...f, scope: 'workspace', shared: true, workspace: ws })),
      );
  }
  return locations;
}
