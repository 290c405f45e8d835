// The one home of every setting's default, keyed by its id under `archonMcp.`. Settings validation,
// the monitor, the gateway, the Docker links and the CLI read them from here; package.json's setting
// defaults must equal them (test/unit/defaults.test.ts compares them).
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Archon as its compose file runs it. (A ServerConfig; not typed as one so that the vocabulary, server-state.ts, can import this file.) */
export const DEFAULT_SERVER = {
  name: 'Archon',
  url: 'http://localhost:8051/mcp',
  transport: 'auto',
  healthUrl: 'http://localhost:8051/health',
  container: 'archon-mcp',
} as const;

export const SETTING_DEFAULTS = {
  servers: [DEFAULT_SERVER] as const,
  pingIntervalSeconds: 10,
  pingTimeoutSeconds: 5,
  autoHeal: true,
  maxAutoHealAttempts: 5,
  degradedLatencyMs: 1000,
  'statusBar.clickAction': 'reconnect',
  'docker.enabled': true,
  'docker.socketPath': '',
  'docker.memoryPressurePercent': 85,
  'docker.serverMemoryWarnMb': 500,
  'docker.memoryAlerts': true,
  'gateway.enabled': true,
  'gateway.port': 18051,
  'gateway.holdTimeoutSeconds': 30,
  'gateway.responseTimeoutSeconds': 120,
  'gateway.registerWithVSCode': true,
  /** A current official Node LTS image: what the gateway in Docker is built FROM. */
  'gateway.dockerBaseImage': 'node:24-slim',
  // The repeat policy's settings live under archonMcpDoctor.* (the key says the full id).
  'archonMcpDoctor.repeatSafeTools': {},
  'archonMcpDoctor.neverRepeatTools': {},
} as const;

/** Where `proxy` and `stdio` keep their state (sessions, incidents) unless --state-dir names another folder. */
export const DEFAULT_STATE_DIR = join(homedir(), '.archon-mcp-doctor');
