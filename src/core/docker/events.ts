// Container events from the Engine's event stream, parsed into a small typed shape. Pure.
import { isRecord, isStringRecord } from '../narrow';
import { isOneOf } from '../narrow';

/** The container event actions the watcher cares about. Everything else (exec_*, attach, ...) is ignored. */
export type ContainerAction =
  | 'create'
  | 'start'
  | 'die'
  | 'oom'
  | 'kill'
  | 'stop'
  | 'restart'
  | 'pause'
  | 'unpause'
  | 'destroy'
  | 'rename'
  | 'health_status';

export const HEALTH_STATES = ['healthy', 'unhealthy', 'starting', 'none'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

export interface ContainerEvent {
  /** ISO time of the event (from the engine's clock). */
  at: string;
  /** Engine time in nanoseconds since the epoch, as a decimal string (exact, for `since` and de-duplication). */
  timeNano: string;
  action: ContainerAction;
  /** The raw action string, e.g. `health_status: unhealthy`. */
  rawAction: string;
  containerId: string;
  containerName?: string;
  /** `die`: the exit code. */
  exitCode?: number;
  /** `kill`: the signal number or name. */
  signal?: string;
  /** `health_status: …`: the new health state. */
  health?: HealthState;
}

const KEPT: readonly ContainerAction[] = [
  'create',
  'start',
  'die',
  'oom',
  'kill',
  'stop',
  'restart',
  'pause',
  'unpause',
  'destroy',
  'rename',
];

/** The JSON object the engine writes per event (the fields used here). Go writes an absent map or string as null. */
export interface RawEngineEvent {
  Type?: string | null;
  Action?: string | null;
  status?: string | null;
  id?: string | null;
  Actor?: { ID?: string | null; Attributes?: Record<string, string> | null } | null;
  time?: number | null;
  timeNano?: number | string | null;
}

// Checked by hand, not with zod: zod alone would add ~450 KB to the extension bundle (1 MB budget).
const optional = (v: unknown, type: 'string' | 'number') => v === undefined || v === null || typeof v === type;

/** One line of the event stream as an engine event, or undefined when it is not one (a field of the wrong type). */
export function rawEngineEventOf(line: unknown): RawEngineEvent | undefined {
  if (!isRecord(line)) return undefined;
  if (!['Type', 'Action', 'status', 'id'].every((k) => optional(line[k], 'string')) || !optional(line.time, 'number'))
    return undefined;
  const nano = line.timeNano;
  if (!(optional(nano, 'number') || typeof nano === 'string')) return undefined;
  const actor = line.Actor;
  if (actor !== undefined && actor !== null) {
    if (!isRecord(actor) || !optional(actor.ID, 'string')) return undefined;
    const attrs = actor.Attributes;
    if (attrs !== undefined && attrs !== null && !isStringRecord(attrs)) return undefined;
  }
  return line;
}

/** Parses one engine event; `undefined` for events that are not about containers or are ignored (exec_*, attach, ...). */
export function parseEngineEvent(raw: RawEngineEvent): ContainerEvent | undefined {
  if (raw.Type !== undefined && raw.Type !== 'container') return undefined;
  const rawAction = String(raw.Action ?? raw.status ?? '');
  let action: ContainerAction | undefined;
  let health: HealthState | undefined;
  if (rawAction.startsWith('health_status')) {
    action = 'health_status';
    const v = rawAction.slice('health_status'.length).replace(/^:\s*/, '').trim();
    health = v === 'healthy' || v === 'unhealthy' || v === 'starting' ? v : 'none';
  } else if (isOneOf(KEPT, rawAction)) {
    action = rawAction;
  }
  if (!action) return undefined;
  const attrs = raw.Actor?.Attributes ?? {};
  const timeNano = normalizeTimeNano(raw);
  const ev: ContainerEvent = {
    at: new Date(Number(BigInt(timeNano) / 1_000_000n)).toISOString(),
    timeNano,
    action,
    rawAction,
    containerId: String(raw.Actor?.ID ?? raw.id ?? ''),
  };
  if (attrs.name) ev.containerName = attrs.name;
  if (action === 'die' && attrs.exitCode !== undefined && attrs.exitCode !== '') {
    const n = Number(attrs.exitCode);
    if (Number.isFinite(n)) ev.exitCode = n;
  }
  if (action === 'kill' && attrs.signal) ev.signal = attrs.signal;
  if (health) ev.health = health;
  return ev;
}

function normalizeTimeNano(raw: RawEngineEvent): string {
  if (raw.timeNano !== undefined && raw.timeNano !== null && String(raw.timeNano) !== '') {
    // JSON numbers above 2^53 lose precision; good enough for ordering, exact when the engine sends < 2^53.
    const s = typeof raw.timeNano === 'number' ? BigInt(Math.round(raw.timeNano)).toString() : String(raw.timeNano);
    if (/^\d+$/.test(s)) return s;
  }
  const secs = typeof raw.time === 'number' ? raw.time : Date.now() / 1000;
  return (BigInt(Math.round(secs * 1000)) * 1_000_000n).toString();
}

/** `since` for the events API: seconds with a nanosecond fraction, from a `timeNano`. */
export function sinceFromTimeNano(timeNano: string): string {
  const n = BigInt(timeNano);
  const secs = n / 1_000_000_000n;
  const frac = (n % 1_000_000_000n).toString().padStart(9, '0');
  return `${secs}.${frac}`;
}

/** `since` from a JS time (ms). */
export function sinceFromMs(ms: number): string {
  return sinceFromTimeNano((BigInt(Math.floor(ms)) * 1_000_000n).toString());
}

/** A key that identifies one event, for de-duplication when a resumed stream replays events. */
export function eventKey(ev: ContainerEvent): string {
  return `${ev.timeNano}|${ev.containerId}|${ev.rawAction}`;
}

/** Splits a byte stream of concatenated JSON objects (one per line, possibly split across chunks). */
export class JsonLineSplitter {
  private buf = '';
  push(chunk: Buffer | string, onObject: (obj: unknown) => void, onBad?: (line: string) => void): void {
    this.buf += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl).trim();
      this.buf = this.buf.slice(nl + 1);
      if (!line) continue;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch {
        onBad?.(line);
        continue;
      }
      onObject(obj);
    }
    // A daemon that never sends a newline would grow this forever: cap it.
    if (this.buf.length > 1_000_000) this.buf = '';
  }
}

/** Describes an event in a few words for logs and evidence. */
export function describeEvent(ev: ContainerEvent): string {
  const name = ev.containerName ?? ev.containerId.slice(0, 12);
  switch (ev.action) {
    case 'die':
      return `container ${name} died (exit ${ev.exitCode ?? '?'})`;
    case 'oom':
      return `container ${name} hit its memory limit (oom)`;
    case 'kill':
      return `container ${name} was sent signal ${ev.signal ?? '?'}`;
    case 'health_status':
      return `container ${name} health: ${ev.health ?? '?'}`;
    case 'start':
      return `container ${name} started`;
    case 'stop':
      return `container ${name} stopped`;
    case 'restart':
      return `container ${name} restarted (docker restart)`;
    default:
      return `container ${name}: ${ev.rawAction}`;
  }
}
