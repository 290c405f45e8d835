// The healing gateway: a local Streamable HTTP endpoint per MCP server that keeps clients'
// sessions alive across server restarts. No VS Code imports.
export { startGateway } from './gateway';
export { GatewayRunner, type GatewayRunnerDeps, type GatewayView } from './runner';
export { HEALTH_PATH, SERVICE_ID, DEFAULTS as GATEWAY_DEFAULTS, slugify } from './types';
export type {
  ConnectedClient, Gateway, GatewayEvent, GatewayEventKind, GatewayLogger, GatewayMode, GatewayOptions,
  GatewayStats, GatewayUpstream, HealCounts, ServerGatewayStats,
} from './types';
