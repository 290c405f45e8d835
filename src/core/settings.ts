// Validates raw settings (from VS Code or the CLI) into the shapes the core runs on.
import { DEFAULT_SERVER, SETTING_DEFAULTS as D } from './defaults';
import type { DockerSettings } from './docker';
import type { MonitorOptions, ServerConfig, TransportSetting } from './server-state';
import { parseGlobList, type RepeatRules } from './healing';
import { isOneOf, isRecord, isStringRecord } from './narrow';

export { DEFAULT_SERVER } from './defaults';

export const MIN_PING_INTERVAL_S = 2;
const TRANSPORTS: readonly TransportSetting[] = ['auto', 'streamable-http', 'sse'];
export const CLICK_ACTIONS = ['reconnect', 'showLog', 'showView'] as const;
export type ClickAction = (typeof CLICK_ACTIONS)[number];

export interface RawSettings {
  servers?: unknown;
  pingIntervalSeconds?: unknown;
  pingTimeoutSeconds?: unknown;
  autoHeal?: unknown;
  maxAutoHealAttempts?: unknown;
  degradedLatencyMs?: unknown;
  clickAction?: unknown;
  docker?: {
    enabled?: unknown;
    socketPath?: unknown;
    memoryPressurePercent?: unknown;
    serverMemoryWarnMb?: unknown;
    memoryAlerts?: unknown;
  };
  gateway?: {
    enabled?: unknown;
    port?: unknown;
    holdTimeoutSeconds?: unknown;
    responseTimeoutSeconds?: unknown;
    registerWithVSCode?: unknown;
    dockerBaseImage?: unknown;
  };
  /** archonMcpDoctor.repeatSafeTools / neverRepeatTools: server label → tool-name globs. */
  repeatSafeTools?: unknown;
  neverRepeatTools?: unknown;
}

export interface GatewaySettings {
  enabled: boolean;
  port: number;
  holdTimeoutMs: number;
  /** How long the gateway waits for the upstream's answer to a request it sent (not the hold). */
  responseTimeoutMs: number;
  registerWithVSCode: boolean;
  /** The image the gateway in Docker is built FROM (any image with `node` on its PATH). */
  dockerBaseImage: string;
  /** The user's word on which tools may run twice, per server label (globs). */
  repeatSafeTools: Record<string, string[]>;
  neverRepeatTools: Record<string, string[]>;
}

/** The repeat rules the settings give the server labelled `label`. */
export function repeatRulesFor(
  label: string,
  g: Pick<GatewaySettings, 'repeatSafeTools' | 'neverRepeatTools'>,
): RepeatRules {
  return {
    repeatSafe: g.repeatSafeTools[label] ?? [],
    neverRepeat: g.neverRepeatTools[label] ?? [],
    via: 'setting',
    serverLabel: label,
  };
}

/** A `{ "<server label>": ["glob", …] }` setting; anything else is reported and dropped. */
function toolGlobsSetting(raw: unknown, key: string, problems: string[]): Record<string, string[]> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push(`archonMcpDoctor.${key} must map server names to lists of tool names (globs); it is ignored.`);
    return {};
  }
  const out: Record<string, string[]> = {};
  for (const [label, globs] of Object.entries(raw)) {
    const list =
      typeof globs === 'string'
        ? parseGlobList(globs)
        : Array.isArray(globs)
          ? globs.filter((g): g is string => typeof g === 'string' && g.trim() !== '').map((g) => g.trim())
          : undefined;
    if (!list || (Array.isArray(globs) && list.length !== globs.length)) {
      problems.push(
        `archonMcpDoctor.${key}["${label}"] must be a list of tool names or globs such as "find_*"; ${list ? 'entries that are not were dropped' : 'it is ignored'}.`,
      );
    }
    if (list && list.length > 0) out[label] = list;
  }
  return out;
}

export interface Settings {
  servers: ServerConfig[];
  monitor: MonitorOptions;
  clickAction: ClickAction;
  docker: DockerSettings;
  gateway: GatewaySettings;
}

export interface Validated {
  settings: Settings;
  /** One sentence per rejected entry or value; the rest of the settings still apply. */
  problems: string[];
}

function httpUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.toString() : undefined;
  } catch {
    return undefined;
  }
}

function validateServer(r: unknown, index: number, problems: string[]): ServerConfig | undefined {
  const where = `archonMcp.servers[${index}]`;
  if (!isRecord(r)) {
    problems.push(`${where} is not an object with "name" and "url"; it is ignored.`);
    return undefined;
  }
  const name = typeof r.name === 'string' && r.name.trim() ? r.name.trim() : undefined;
  const url = httpUrl(r.url);
  if (!url) {
    problems.push(
      `${where}${name ? ` ("${name}")` : ''}: "${String(r.url)}" is not an http(s) URL; this server is ignored.`,
    );
    return undefined;
  }
  const transport = r.transport ?? 'auto';
  if (!isOneOf(TRANSPORTS, transport)) {
    problems.push(
      `${where} ("${name ?? url}"): unknown transport "${String(transport)}" (use auto, streamable-http or sse); this server is ignored.`,
    );
    return undefined;
  }
  const server: ServerConfig = { name: name ?? new URL(url).host, url, transport };
  if (r.healthUrl !== undefined && r.healthUrl !== '') {
    const healthUrl = httpUrl(r.healthUrl);
    if (healthUrl) server.healthUrl = healthUrl;
    else
      problems.push(
        `${where} ("${server.name}"): healthUrl "${String(r.healthUrl)}" is not an http(s) URL; health probing is off for it.`,
      );
  }
  if (typeof r.container === 'string' && r.container.trim()) server.container = r.container.trim();
  if (r.headers !== undefined) {
    if (isStringRecord(r.headers)) {
      server.headers = { ...r.headers };
      if (Object.keys(server.headers).some((h) => h.toLowerCase() === 'authorization')) {
        problems.push(
          `${where} ("${server.name}"): an Authorization header in settings is stored in plain text; prefer "Archon: Set Server Token".`,
        );
      }
    } else {
      problems.push(`${where} ("${server.name}"): headers must map names to strings; they are ignored.`);
    }
  }
  return server;
}

function numberSetting(value: unknown, name: string, fallback: number, min: number, problems: string[]): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    problems.push(`archonMcp.${name} must be a number; using ${fallback}.`);
    return fallback;
  }
  if (value < min) {
    problems.push(`archonMcp.${name} is ${value}, below the minimum ${min}; using ${min}.`);
    return min;
  }
  return value;
}

function booleanSetting(value: unknown, name: string, fallback: boolean, problems: string[]): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  problems.push(`archonMcp.${name} must be true or false; using ${fallback}.`);
  return fallback;
}

/** An image reference as Docker writes them: [registry/]name[:tag][@digest], no spaces. */
const IMAGE_REF = /^[a-z0-9][a-z0-9._/:-]*(@sha256:[a-f0-9]{64})?$/i;

function imageSetting(value: unknown, name: string, fallback: string, problems: string[]): string {
  if (value === undefined || value === null || value === '') return fallback;
  if (typeof value === 'string' && IMAGE_REF.test(value.trim())) return value.trim();
  problems.push(`archonMcp.${name} must be an image name such as ${fallback}; using ${fallback}.`);
  return fallback;
}

function validateDocker(raw: NonNullable<RawSettings['docker']>, problems: string[]): DockerSettings {
  let socketPath: string | undefined;
  if (typeof raw.socketPath === 'string' && raw.socketPath.trim()) socketPath = raw.socketPath.trim();
  else if (raw.socketPath !== undefined && raw.socketPath !== null && raw.socketPath !== '') {
    problems.push('archonMcp.docker.socketPath must be a path; using DOCKER_HOST or the default socket.');
  }
  const pct = numberSetting(
    raw.memoryPressurePercent,
    'docker.memoryPressurePercent',
    D['docker.memoryPressurePercent'],
    1,
    problems,
  );
  return {
    enabled: booleanSetting(raw.enabled, 'docker.enabled', D['docker.enabled'], problems),
    socketPath,
    memoryThreshold: Math.min(100, pct) / 100,
    serverMemoryWarnBytes:
      numberSetting(raw.serverMemoryWarnMb, 'docker.serverMemoryWarnMb', D['docker.serverMemoryWarnMb'], 1, problems) *
      1024 *
      1024,
    memoryAlerts: booleanSetting(raw.memoryAlerts, 'docker.memoryAlerts', D['docker.memoryAlerts'], problems),
  };
}

function validateGateway(
  raw: NonNullable<RawSettings['gateway']>,
  repeat: Pick<RawSettings, 'repeatSafeTools' | 'neverRepeatTools'>,
  problems: string[],
): GatewaySettings {
  let port = Math.round(numberSetting(raw.port, 'gateway.port', D['gateway.port'], 1, problems));
  if (port > 65535) {
    problems.push(`archonMcp.gateway.port ${port} is not a port; using ${D['gateway.port']}.`);
    port = D['gateway.port'];
  }
  return {
    enabled: booleanSetting(raw.enabled, 'gateway.enabled', D['gateway.enabled'], problems),
    port,
    holdTimeoutMs:
      numberSetting(
        raw.holdTimeoutSeconds,
        'gateway.holdTimeoutSeconds',
        D['gateway.holdTimeoutSeconds'],
        1,
        problems,
      ) * 1000,
    responseTimeoutMs:
      numberSetting(
        raw.responseTimeoutSeconds,
        'gateway.responseTimeoutSeconds',
        D['gateway.responseTimeoutSeconds'],
        1,
        problems,
      ) * 1000,
    registerWithVSCode: booleanSetting(
      raw.registerWithVSCode,
      'gateway.registerWithVSCode',
      D['gateway.registerWithVSCode'],
      problems,
    ),
    dockerBaseImage: imageSetting(
      raw.dockerBaseImage,
      'gateway.dockerBaseImage',
      D['gateway.dockerBaseImage'],
      problems,
    ),
    repeatSafeTools: toolGlobsSetting(repeat.repeatSafeTools, 'repeatSafeTools', problems),
    neverRepeatTools: toolGlobsSetting(repeat.neverRepeatTools, 'neverRepeatTools', problems),
  };
}

export function validateSettings(raw: RawSettings): Validated {
  const problems: string[] = [];
  let servers: ServerConfig[] = [];
  if (raw.servers === undefined || raw.servers === null) servers = [{ ...DEFAULT_SERVER }];
  else if (!Array.isArray(raw.servers))
    problems.push('archonMcp.servers must be a list of servers; no server is watched.');
  else servers = raw.servers.map((s, i) => validateServer(s, i, problems)).filter((s): s is ServerConfig => Boolean(s));

  const seen = new Set<string>();
  servers = servers.filter((s) => {
    if (!seen.has(s.name)) return seen.add(s.name);
    problems.push(`archonMcp.servers: the name "${s.name}" is used twice; the second entry is ignored.`);
    return false;
  });

  const pingIntervalS = numberSetting(
    raw.pingIntervalSeconds,
    'pingIntervalSeconds',
    D.pingIntervalSeconds,
    MIN_PING_INTERVAL_S,
    problems,
  );
  const pingTimeoutS = numberSetting(raw.pingTimeoutSeconds, 'pingTimeoutSeconds', D.pingTimeoutSeconds, 0.5, problems);
  const maxAttempts = Math.round(
    numberSetting(raw.maxAutoHealAttempts, 'maxAutoHealAttempts', D.maxAutoHealAttempts, 1, problems),
  );
  const degradedLatencyMs = numberSetting(raw.degradedLatencyMs, 'degradedLatencyMs', D.degradedLatencyMs, 1, problems);
  const autoHeal = booleanSetting(raw.autoHeal, 'autoHeal', D.autoHeal, problems);
  let clickAction: ClickAction = D['statusBar.clickAction'];
  if (raw.clickAction !== undefined && raw.clickAction !== null) {
    if (isOneOf(CLICK_ACTIONS, raw.clickAction)) clickAction = raw.clickAction;
    else
      problems.push(
        `archonMcp.statusBar.clickAction "${String(raw.clickAction)}" is not one of ${CLICK_ACTIONS.join(', ')}; using ${D['statusBar.clickAction']}.`,
      );
  }
  return {
    settings: {
      servers,
      monitor: {
        pingIntervalMs: pingIntervalS * 1000,
        pingTimeoutMs: pingTimeoutS * 1000,
        autoHeal,
        maxAutoHealAttempts: maxAttempts,
        degradedLatencyMs,
      },
      clickAction,
      docker: validateDocker(raw.docker ?? {}, problems),
      gateway: validateGateway(raw.gateway ?? {}, raw, problems),
    },
    problems,
  };
}
