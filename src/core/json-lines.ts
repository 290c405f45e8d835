// The CLI's `--json` vocabulary: every line is one JSON object with `type` (what kind of line) and
// `t` (ISO timestamp). ONE schema for all lines, a discriminated union on `type`; the CLI builds its
// lines through `jsonLine` and the tests validate every line they read with `parseJsonLine`.
// Adding a line type is one entry in LINE_SCHEMAS (and a section in docs/cli-json.md).
import { z } from 'zod';
import { DOCKER_GATEWAY_CHANGES, DOCKER_GATEWAY_ERROR_CODES, DOCKER_GATEWAY_STATES } from './always-on';
import { CLIENT_IDS, ENTRY_STATES, OUTCOMES, PROTECTIONS, SCOPES, TARGETS, TRANSPORTS } from './clients';
import { HEALTH_STATES } from './docker';
import { CONTAINER_STATES } from './docker';
import { GATEWAY_EVENT_KINDS, type GatewayEventKind } from './gateway';
import { RESTART_ACTIONS, RESTART_CAUSES } from './stdio';
import { REPEAT_REASONS } from './healing';
import { INCIDENT_HEAL_KINDS, INCIDENT_OBSERVERS } from './incidents';
import { isOneOf } from './narrow';
import {
  EVIDENCE_SOURCES,
  FAILURE_KINDS,
  LOSS_CAUSES,
  PROTOCOL_ERAS,
  SERVER_STATES,
  TRANSITION_REASONS,
} from './server-state';

const timestamp = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'an ISO timestamp');
const base = { t: timestamp };

const evidence = z
  .object({
    at: timestamp,
    source: z.enum(EVIDENCE_SOURCES),
    detail: z.string(),
  })
  .strict();

/** A session loss's root cause: on the first line that can know it, and again `refined` when it changes. */
const loss = z
  .object({
    cause: z.enum(LOSS_CAUSES),
    label: z.string(),
    evidence: z.array(evidence),
    refined: z.literal(true).optional(),
  })
  .strict();

/** What a `container` line reports. */
export const CONTAINER_LINE_EVENTS = [
  'watching',
  'down',
  'restart',
  'health',
  'memory-pressure',
  'memory-pressure-cleared',
  'problem',
] as const;
export type ContainerLineEvent = (typeof CONTAINER_LINE_EVENTS)[number];

const transition = z
  .object({
    type: z.literal('transition'),
    ...base,
    server: z.string(),
    state: z.enum(SERVER_STATES),
    from: z.enum(SERVER_STATES),
    reason: z.enum(TRANSITION_REASONS),
    /** Shortened (`shortenSessionId`), never the full id. */
    sessionId: z.string().nullable(),
    /** The protocol era last negotiated; null before the first connect. */
    era: z.enum(PROTOCOL_ERAS).nullable(),
    latencyMs: z.number().nullable(),
    failure: z.enum(FAILURE_KINDS).optional(),
    message: z.string().optional(),
    httpStatus: z.number().int().nullable().optional(),
    loss: loss.optional(),
  })
  .strict();

const container = z
  .object({
    type: z.literal('container'),
    ...base,
    server: z.string(),
    container: z.string(),
    event: z.enum(CONTAINER_LINE_EVENTS),
    state: z.enum(CONTAINER_STATES),
    restarts: z.number().int(),
    oomKills: z.number().int(),
    health: z.enum(HEALTH_STATES),
    memoryPct: z.number().nullable(),
    exitCode: z.number().int().nullable().optional(),
    oom: z.boolean().optional(),
    count: z.number().int().optional(),
    previous: z.string().optional(),
    problem: z.string().optional(),
    message: z.string().optional(),
    loss: loss.optional(),
  })
  .strict();

/** The proxy's first line (and any later one of these kinds): where clients connect. */
const GATEWAY_START_KINDS = ['listening', 'deferred'] as const satisfies readonly GatewayEventKind[];
type GatewayRunKind = Exclude<GatewayEventKind, (typeof GATEWAY_START_KINDS)[number]>;
const GATEWAY_RUN_KINDS: GatewayRunKind[] = GATEWAY_EVENT_KINDS.filter((k) => !isOneOf(GATEWAY_START_KINDS, k));

const gatewayStart = z
  .object({
    type: z.enum(GATEWAY_START_KINDS),
    ...base,
    url: z.string(),
    mode: z.enum(['serving', 'deferred', 'stopped']),
    upstream: z.string(),
    message: z.string().optional(),
  })
  .strict();

/** Everything the gateway reports while it runs (its GatewayEvent kinds). */
const gatewayEvent = z
  .object({
    type: z.enum(GATEWAY_RUN_KINDS),
    ...base,
    server: z.string().optional(),
    /** Shortened session id. */
    session: z.string().optional(),
    message: z.string(),
    url: z.string().optional(),
    /** `error-returned`: the reason the client got (`error.data.reason`). */
    reason: z.string().optional(),
    /** Heals and errors: how long the call took, holds included. */
    durationMs: z.number().optional(),
    /** `upstream-restarting`: the cause Docker gave. */
    cause: z.enum(LOSS_CAUSES).optional(),
    /** Heals: the upstream had lost the session on the way. */
    sessionLost: z.boolean().optional(),
  })
  .strict();

/** `clients`: one MCP client configuration entry that names a server. */
const clientEntry = z
  .object({
    type: z.literal('client-entry'),
    ...base,
    client: z.enum(CLIENT_IDS),
    file: z.string(),
    scope: z.enum(SCOPES),
    name: z.string(),
    url: z.string().optional(),
    command: z.string().optional(),
    args: z.array(z.string()).optional(),
    target: z.enum(TARGETS),
    server: z.string().optional(),
    state: z.enum(ENTRY_STATES).optional(),
    shared: z.boolean(),
    project: z.string().optional(),
    transport: z.enum(TRANSPORTS).optional(),
    protection: z.enum(PROTECTIONS).optional(),
    /** The `mcp-server` line this entry belongs to. */
    serverId: z.string().optional(),
  })
  .strict();

/** `clients`: one MCP server, however many clients name it (after its `client-entry` lines). */
const mcpServer = z
  .object({
    type: z.literal('mcp-server'),
    ...base,
    id: z.string(),
    name: z.string(),
    transport: z.enum(TRANSPORTS),
    /** Its URL or command line, secrets hidden. */
    target: z.string(),
    protection: z.enum(['protected', 'partly', 'direct']),
    entries: z.number().int(),
    clients: z.array(z.enum(CLIENT_IDS)),
  })
  .strict();

/** `servers`: the shared server list (header values never printed, only their names). */
const listedServer = z
  .object({
    type: z.literal('listed-server'),
    ...base,
    name: z.string(),
    slug: z.string(),
    url: z.string(),
    headers: z.array(z.string()).optional(),
    repeatSafe: z.array(z.string()).optional(),
    neverRepeat: z.array(z.string()).optional(),
    gatewayPath: z.string(),
  })
  .strict();
const serverListChange = z
  .object({
    type: z.literal('server-list-change'),
    ...base,
    change: z.enum(['added', 'updated', 'unchanged', 'removed']),
    name: z.string(),
    slug: z.string(),
    url: z.string(),
  })
  .strict();
const serverListProblem = z
  .object({ type: z.literal('server-list-problem'), ...base, file: z.string(), message: z.string() })
  .strict();

const clientFileError = z
  .object({
    type: z.literal('client-file-error'),
    ...base,
    client: z.enum(CLIENT_IDS),
    file: z.string(),
    message: z.string(),
  })
  .strict();

/** `clients route` / `unroute`: what happened to one file. */
const clientRoute = z
  .object({
    type: z.literal('client-route'),
    ...base,
    file: z.string(),
    outcome: z.enum(OUTCOMES),
    message: z.string(),
    backup: z.string().optional(),
  })
  .strict();
const clientRouteSkipped = z
  .object({
    type: z.literal('client-route-skipped'),
    ...base,
    client: z.enum(CLIENT_IDS),
    file: z.string(),
    name: z.string(),
    reason: z.string(),
  })
  .strict();
const clientRouteDiff = z
  .object({ type: z.literal('client-route-diff'), ...base, file: z.string(), diff: z.string() })
  .strict();
/** Nothing written because nobody answered yes; a file left as it is. */
const clientRouteMessage = z
  .object({ type: z.enum(['client-route-declined', 'client-route-notice']), ...base, message: z.string() })
  .strict();

/** `docker-gateway up` and `status`: the gateway container as Docker and its status endpoint see it. */
const dockerGatewayFields = {
  ...base,
  state: z.enum(DOCKER_GATEWAY_STATES),
  container: z.string(),
  url: z.string().optional(),
  image: z.string().optional(),
  upstream: z.string().optional(),
  upstreamContainer: z.string().optional(),
  innerUpstream: z.string().optional(),
  network: z.string().optional(),
  port: z.number().int().optional(),
  dockerSocket: z.boolean().optional(),
  restartCount: z.number().int().optional(),
  startedAt: z.string().optional(),
  uptimeSeconds: z.number().optional(),
  clients: z.number().int().optional(),
  requestsForwarded: z.number().int().optional(),
  requestsHealed: z.number().int().optional(),
  upstreams: z
    .array(
      z
        .object({
          slug: z.string(),
          url: z.string(),
          upstream: z.string(),
          upstreamContainer: z.string().optional(),
          innerUpstream: z.string(),
        })
        .strict(),
    )
    .optional(),
};
const dockerGatewayStatus = z.object({ type: z.literal('docker-gateway-status'), ...dockerGatewayFields }).strict();
const dockerGatewayUp = z
  .object({ type: z.literal('docker-gateway-up'), ...dockerGatewayFields, change: z.enum(DOCKER_GATEWAY_CHANGES) })
  .strict();
const dockerGatewayDown = z
  .object({
    type: z.literal('docker-gateway-down'),
    ...base,
    state: z.literal('absent'),
    container: z.string(),
    removed: z.boolean(),
    volume: z.string(),
  })
  .strict();
const dockerGatewayError = z
  .object({
    type: z.literal('docker-gateway-error'),
    ...base,
    code: z.enum(DOCKER_GATEWAY_ERROR_CODES),
    message: z.string(),
  })
  .strict();

/** `stdio -- <command>`: the supervised server ended and was started again (or given up on). */
const stdioRestart = z
  .object({
    type: z.literal('stdio-restart'),
    ...base,
    /** The server's command, secrets redacted. */
    command: z.array(z.string()),
    cause: z.enum(RESTART_CAUSES),
    label: z.string(),
    exitCode: z.number().int().nullable(),
    signal: z.string().nullable(),
    uptimeMs: z.number(),
    previousPid: z.number().int().nullable(),
    action: z.enum(RESTART_ACTIONS),
    delayMs: z.number(),
    restarts: z.number().int(),
    stderrTail: z.array(z.string()),
    inFlight: z.object({ resent: z.number().int(), ambiguous: z.number().int(), held: z.number().int() }).strict(),
  })
  .strict();

/** `status --json`: one server of a running gateway, with its repeat policy (which tools are sent again, and why). */
const gatewayServer = z
  .object({
    type: z.literal('gateway-server'),
    ...base,
    slug: z.string(),
    name: z.string(),
    url: z.string(),
    upstream: z.string().optional(),
    runsIn: z.string().optional(),
    clients: z.number().int().optional(),
    requestsForwarded: z.number().int().optional(),
    errorsReturned: z.number().int().optional(),
    healed: z
      .object({ reinitialized: z.number().int(), held: z.number().int(), resent: z.number().int() })
      .strict()
      .optional(),
    repeat: z
      .object({
        knownServer: z.string().optional(),
        tools: z.array(
          z
            .object({
              tool: z.string(),
              repeat: z.boolean(),
              reason: z.enum(REPEAT_REASONS),
              detail: z.string(),
              suggestion: z.string().optional(),
            })
            .strict(),
        ),
      })
      .strict(),
  })
  .strict();

/** `incidents`: one incident record (src/core/incidents/incident.ts); `t` is when it started. */
const incidentCalls = z
  .object({
    held: z.number().int(),
    resent: z.number().int(),
    answered: z.number().int(),
    failed: z.number().int(),
    ambiguous: z.number().int(),
  })
  .strict();
const incident = z
  .object({
    type: z.literal('incident'),
    ...base,
    id: z.string(),
    server: z.string(),
    upstream: z.string().optional(),
    seenBy: z.enum(INCIDENT_OBSERVERS),
    /** Where this copy was read: the local journal, a running gateway's status endpoint, or both. */
    source: z.enum(['journal', 'gateway', 'both']),
    startedAt: timestamp,
    recoveredAt: timestamp.optional(),
    downtimeMs: z.number().optional(),
    cause: z.enum(LOSS_CAUSES),
    label: z.string().optional(),
    evidence: z.array(evidence),
    calls: incidentCalls,
    heals: z.partialRecord(z.enum(INCIDENT_HEAL_KINDS), z.number().int()),
    unfinished: z.boolean().optional(),
    updatedAt: timestamp,
  })
  .strict();

/** One entry per line type: the one place a new type is added. */
const LINE_SCHEMAS = [
  transition,
  container,
  gatewayStart,
  gatewayEvent,
  clientEntry,
  mcpServer,
  listedServer,
  serverListChange,
  serverListProblem,
  clientFileError,
  clientRoute,
  clientRouteSkipped,
  clientRouteDiff,
  clientRouteMessage,
  dockerGatewayStatus,
  dockerGatewayUp,
  dockerGatewayDown,
  dockerGatewayError,
  gatewayServer,
  incident,
  stdioRestart,
] as const;

export const jsonLineSchema = z.discriminatedUnion('type', [...LINE_SCHEMAS]);
export type JsonLine = z.infer<typeof jsonLineSchema>;
export type JsonLineType = JsonLine['type'];
export type TransitionLine = z.infer<typeof transition>;
export type ContainerLine = z.infer<typeof container>;
export type LossLine = z.infer<typeof loss>;
export type GatewayEventLine = z.infer<typeof gatewayEvent>;
export type IncidentLine = z.infer<typeof incident>;

export function isGatewayStartKind(kind: GatewayEventKind): kind is (typeof GATEWAY_START_KINDS)[number] {
  return isOneOf(GATEWAY_START_KINDS, kind);
}

/** The schema member whose `type` admits T (a member's `type` may be a set of kinds). */
export type LineOf<T extends JsonLineType> = JsonLine extends infer L
  ? L extends { type: infer K }
    ? T extends K
      ? L
      : never
    : never
  : never;
type Fields<T extends JsonLineType> = Omit<LineOf<T>, 'type' | 't'> & { t?: string };

/** A line of type T as jsonLine builds it: its type, its time and the member's other fields. */
type BuiltLine<T extends JsonLineType> = { type: T; t: string } & Omit<LineOf<T>, 'type' | 't'>;

/** Builds one line of type `type`; `t` is now unless given. */
export function jsonLine<T extends JsonLineType>(type: T, fields: Fields<T>): BuiltLine<T> {
  const t = fields.t ?? new Date().toISOString();
  const line = { type, t, ...fields };
  line.t = t; // a `t: undefined` among the fields does not erase the time (which stays second)
  return line;
}

/** Parses and validates one line of output; a line that breaks the schema is an error that says where. */
export function parseJsonLine(text: string): JsonLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`not JSON: ${text.slice(0, 200)}`);
  }
  const result = jsonLineSchema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(line)'}: ${i.message}`).join('; ');
    throw new Error(`line breaks the --json schema (${issues}): ${text.slice(0, 300)}`);
  }
  return result.data;
}
