// Reads every known client configuration file for the given servers.
import { clientLocations, type LocationEnv } from './locations';
import { isReadError, readConfig, type ReadOptions } from './read';
import type { ConfigLocation, Scan, WatchedServer } from './entries';

export async function scanLocations(
  locations: readonly ConfigLocation[],
  servers: readonly WatchedServer[],
  opts: ReadOptions = {},
): Promise<Scan> {
  const results = await Promise.all(locations.map((l) => readConfig(l, servers, opts)));
  const scan: Scan = { files: [], errors: [] };
  for (const r of results) {
    if (!r) continue;
    if (isReadError(r)) scan.errors.push(r);
    else scan.files.push(r);
  }
  return scan;
}

export function scanClients(
  env: LocationEnv,
  servers: readonly WatchedServer[],
  opts: ReadOptions = {},
): Promise<Scan> {
  return scanLocations(clientLocations(env), servers, opts);
}
