// The healing gateway: a local Streamable HTTP endpoint per MCP server that keeps clients'
// sessions alive across server restarts. No VS Code imports.
export { startGateway } from './healing-gateway';
export { fetchGatewayIncidents } from './incidents-remote';
export {
  HEALTH_PATH,
  SERVICE_ID,
  DEFAULTS as GATEWAY_DEFAULTS,
  GATEWAY_EVENT_KINDS,
  GATEWAY_RUNTIMES,
  slugify,
} from './gateway-api';
export { probeHolder, GatewayPortTaken, type HolderInfo } from './port';
export { holderMismatch, sameUpstreamKey } from './holder';
export { startStdioBridge, type StdioBridge, type StdioBridgeEnd, type StdioBridgeOptions } from './stdio-bridge';
export {
  holdOnContainerDown,
  watchUpstreamContainer,
  type ContainerDownSource,
  type UpstreamContainerOptions,
} from './container-awareness';
export { GatewayRunner, RUNS_IN_LABEL, type GatewayRunnerDeps, type GatewayView, type HolderView } from './runner';
export type {
  ConnectedClient,
  Gateway,
  GatewayErrorReason,
  GatewayEvent,
  GatewayEventKind,
  GatewayLogger,
  GatewayMode,
  GatewayOptions,
  GatewayCounters,
  GatewayRuntime,
  GatewayStats,
  GatewayStatus,
  GatewayStatusServer,
  GatewayUpstream,
  HolderStatus,
  HealCounts,
  RepeatReport,
  ServerGatewayStats,
} from './gateway-api';
