// Client routing: find every MCP client configuration that points at a watched server, route it through
// the gateway, and undo that. No VS Code imports.
export * from './entries';
export {
  clientLocations,
  currentLocationEnv,
  stateDir,
  appDataDir,
  claudeCodeUserFile,
  type LocationEnv,
} from './locations';
export { normalizeUrl, sameUrl, classifyEntry, bridgeUpstream } from './match';
export { readConfig, parseConfig, sha256 } from './read';
export { scanClients, scanLocations } from './scan';
export { serverEntries, allEntries, unprotected, entryKey, shownUrl, shownTarget, type EntryView } from './view';
export {
  planRoute,
  applyChanges,
  BRIDGE_COMMAND,
  bridgeArgs,
  type RoutePlan,
  type FileEdit,
  type SkippedEntry,
  type RouteOptions,
} from './plan';
export { editDiff, textDiff } from './diff';
export { OUTCOMES, executeRoute, undoRouting, type FileOutcome, type OutcomeKind } from './routing';
export { JournalStore } from './undo-journal';
export { BACKUP_SUFFIX, backupPath, WriteRefused, type FileOps } from './write';
export { defaultGatewayUrl, watchedServer } from './gateway-url';
export { watchFiles, type FileWatch } from './file-watch';
export { CLIENTS, descriptorOf } from './descriptors';
export type { ClientDescriptor, FileSpec } from './descriptor';
export { configDir } from './locations';
export {
  ServerListStore,
  SERVER_LIST_FILE,
  freeSlug,
  listRepeatRules,
  listedByUrl,
  type ListedServer,
  type ServerListRead,
} from './server-list';
export { inventory, upstreamOf, type McpServer, type Upstream } from './inventory';
export {
  planRouteAll,
  routedByDefault,
  supervisorArgs,
  httpProblem,
  type RouteAllPlan,
  type RouteAllOptions,
  type SkippedAll,
} from './plan-all';
export { installStableCli, launcherText, stableCliPath } from './stable-cli';
export { supervisedCommand, gatewaySlugOf, transportOf, isLoopbackUrl } from './match';
export { unionServers, type WatchedConfig, type UnionInput } from './union';
export { readSupervisedStates, supervisorsOf, type SupervisedReader, type SupervisedView } from './supervised';
