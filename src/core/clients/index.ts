// Client routing: find every MCP client configuration that points at a watched server, route it through
// the gateway, and undo that. No VS Code imports.
export * from './types';
export { clientLocations, currentLocationEnv, stateDir, appDataDir, claudeCodeUserFile, type LocationEnv } from './locations';
export { normalizeUrl, sameUrl, classifyEntry, bridgeUpstream } from './match';
export { readConfig, parseConfig } from './read';
export { scanClients, scanLocations } from './scan';
export { serverEntries, unprotected, entryKey, shownUrl, shownTarget } from './view';
export { planRoute, applyChanges, BRIDGE_COMMAND, bridgeArgs, type RoutePlan, type FileEdit, type SkippedEntry, type RouteOptions } from './plan';
export { editDiff, textDiff } from './diff';
export { executeRoute, undoRouting, type FileOutcome, type OutcomeKind } from './routing';
export { JournalStore } from './journal';
export { BACKUP_SUFFIX, backupPath, WriteRefused, type FileOps } from './write';
export { defaultGatewayUrl, watchedServer } from './servers';
export { watchFiles, type FileWatch } from './watch';
