// Supervision of stdio MCP servers: `archon-mcp-doctor stdio -- <command>` spawns the server, relays its
// messages and replaces it when it crashes or wedges. No VS Code imports.
export { StdioSupervisor, type SupervisorEnd } from './stdio-supervisor';
export {
  RESTART_CAUSES,
  RESTART_ACTIONS,
  SUPERVISOR_DEFAULTS,
  type RestartCause,
  type RestartAction,
  type RestartEvent,
  type SupervisorCounts,
  type SupervisorLogger,
  type SupervisorOptions,
} from './run-outcome';
export {
  listSupervisedServers,
  redactCommand,
  STATE_SUBDIR,
  type SupervisedServer,
  type SupervisedServerEntry,
  type SupervisedState,
} from './status-file';
export { decideRestart, RESTART_LIMITS, type RestartDecision, type RunRecord } from './restart-policy';
export type { ServerCommand } from './child';
export { journalRestarts, lossCauseOf, serverLabelOf } from './restart-incidents';
