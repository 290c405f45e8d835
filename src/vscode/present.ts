// How states look: icons, colours and words shared by the status bar and the tree. No VS Code imports,
// so it is unit-tested in plain Node.
import { shortenSessionId } from '../core/redact';
import type { ServerSnapshot, ServerState } from '../core/server-state';

/** Worse states sort first: the status bar shows the worst of several servers. */
const SEVERITY: Record<ServerState, number> = {
  'needs-attention': 6,
  'session-lost': 5,
  unreachable: 4,
  healing: 3,
  connecting: 2,
  degraded: 1,
  healthy: 0,
};

/** `idle`: not running, but nothing was lost (never started, stopped on purpose): no colour. */
export type Tone = 'ok' | 'warning' | 'error' | 'busy' | 'idle';

export interface StateLook {
  icon: string;
  tone: Tone;
  label: string;
}

export function lookOf(state: ServerState): StateLook {
  switch (state) {
    case 'healthy':
      return { icon: 'plug', tone: 'ok', label: 'healthy' };
    case 'degraded':
      return { icon: 'plug', tone: 'warning', label: 'slow' };
    case 'connecting':
      return { icon: 'sync~spin', tone: 'busy', label: 'connecting' };
    case 'healing':
      return { icon: 'sync~spin', tone: 'busy', label: 'healing' };
    case 'session-lost':
      return { icon: 'debug-disconnect', tone: 'error', label: 'session lost' };
    case 'unreachable':
      return { icon: 'debug-disconnect', tone: 'error', label: 'unreachable' };
    case 'needs-attention':
      return { icon: 'warning', tone: 'error', label: 'needs attention' };
  }
}

/** A server that is down calmly looks neutral: "not running", no error colour. */
const CALM_LOOK: StateLook = { icon: 'circle-slash', tone: 'idle', label: 'not running' };

/** How one server looks: the look of its state, unless it is down and nothing was lost (`down.calm`). */
export function lookOfServer(s: ServerSnapshot): StateLook {
  return s.down?.calm ? CALM_LOOK : lookOf(s.state);
}

/** Calm "not running" ranks just above healthy: any real trouble elsewhere outranks it. */
function severityOf(s: ServerSnapshot): number {
  return s.down?.calm ? 0.5 : SEVERITY[s.state];
}

/**
 * The negotiated protocol era in words: whether the server keeps state (a session it can lose) is what
 * a person needs to know. (Not the word "session": the tree's Session row is found by that word.)
 */
export function eraLabel(s: Pick<ServerSnapshot, 'era' | 'protocolVersion'>): string {
  if (!s.era) return 'not negotiated yet';
  const version = s.protocolVersion && s.protocolVersion !== s.era ? ` (${s.protocolVersion})` : '';
  return s.era === '2025' ? `2025${version}, stateful` : `${s.era}${version}, stateless`;
}

/** A connected server that keeps no protocol session (every 2026-07-28 one, some 2025 ones). */
export function isStateless(s: Pick<ServerSnapshot, 'era' | 'sessionId'>): boolean {
  return s.era !== undefined && !s.sessionId;
}

/** A stateless server's "loss" is a restart: say that instead of "session lost". */
function stateLabel(s: ServerSnapshot): string {
  return s.state === 'session-lost' && isStateless(s) ? 'restarted' : lookOfServer(s).label;
}

/** Servers in trouble (lost, unreachable, healing, needing attention); a calm "not running" is not trouble. */
export function inTrouble(snapshots: readonly ServerSnapshot[]): ServerSnapshot[] {
  return snapshots.filter((s) => !s.down?.calm && severityOf(s) >= SEVERITY.healing);
}

export function worst(snapshots: readonly ServerSnapshot[]): ServerSnapshot | undefined {
  return [...snapshots].sort((a, b) => severityOf(b) - severityOf(a))[0];
}

/** The short description next to a server's name in the tree. */
export function describe(s: ServerSnapshot): string {
  const look = stateLabel(s);
  if (s.down?.calm) return look;
  if ((s.state === 'healthy' || s.state === 'degraded') && s.lastPing) return `${look} · ${s.lastPing.latencyMs} ms`;
  if (s.state === 'session-lost' && s.lastLoss) return `${look} · ${s.lastLoss.label ?? s.lastLoss.cause}`;
  return look;
}

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}

/** Text from a server (names, error bodies) must not become links or images in a trusted tooltip. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!<>|~-]/g, (c) => `\\${c}`);
}

/** One line per server for the status bar tooltip (Markdown). */
export function tooltipLine(s: ServerSnapshot, now = Date.now()): string {
  const parts = [`**${escapeMarkdown(s.name)}**: ${stateLabel(s)}`];
  if (s.down?.calm) {
    parts.push(escapeMarkdown(s.down.detail));
    return parts.join(' · ');
  }
  if (s.lastPing && (s.state === 'healthy' || s.state === 'degraded')) parts.push(`${s.lastPing.latencyMs} ms`);
  if (s.era) parts.push(`MCP ${s.era}`);
  if (s.sessionId) parts.push(`session \`${shortenSessionId(s.sessionId)}\``);
  if (s.lastHeal) parts.push(`last heal ${ago(s.lastHeal.at, now)} (${s.lastHeal.kind})`);
  if (s.state !== 'healthy' && s.lastFailure) parts.push(escapeMarkdown(s.lastFailure.message));
  return parts.join(' · ');
}
