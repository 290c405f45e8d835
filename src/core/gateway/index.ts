// The healing gateway: a local Streamable HTTP endpoint per MCP server that keeps clients'
// sessions alive across server restarts. No VS Code imports.
export { startGateway } from './gateway';
export { GatewayPortTaken } from './port';
export { startStdioBridge, type StdioBridge, type StdioBridgeEnd, type StdioBridgeOptions } from './stdio';
export { holdOnContainerDown, watchUpstreamContainer, type ContainerDownSource, type UpstreamContainerOptions } from './container';
export { HEALTH_PATH, SERVICE_ID, DEFAULTS as GATEWAY_DEFAULTS, slugify } from './types';
export type {
  ConnectedClient, Gateway, GatewayEvent, GatewayEventKind, GatewayLogger, GatewayMode, GatewayOptions,
  GatewayStats, GatewayUpstream, HealCounts, ServerGatewayStats,
} from './types';
