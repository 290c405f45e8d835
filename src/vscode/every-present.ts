// How a server that no monitor watches looks (stdio servers, legacy SSE ones): from its entries and, when
// supervised, its supervisor's state file. No VS Code imports, so it is unit-tested in plain Node.
import { CLIENT_NAMES, supervisorsOf, type McpServer, type SupervisedView } from '../core/clients';
import type { StateLook } from './present';

export interface OtherServer {
  server: McpServer;
  look: StateLook;
  /** The live supervisors running it (one per client that started it). */
  supervisors: SupervisedView[];
}

const RANK: Record<StateLook['tone'], number> = { error: 4, warning: 3, busy: 2, idle: 1, ok: 0 };

export function lookOfOther(server: McpServer, states: readonly SupervisedView[]): OtherServer {
  const supervisors = server.upstream.command
    ? supervisorsOf(states, server.upstream.command, server.upstream.args).filter((s) => !s.stale)
    : [];
  let look: StateLook;
  if (supervisors.some((s) => s.state === 'gave-up'))
    look = { icon: 'error', tone: 'error', label: 'down (the supervisor gave up)' };
  else if (supervisors.some((s) => s.state === 'restarting' || s.state === 'starting'))
    look = { icon: 'sync~spin', tone: 'busy', label: 'restarting' };
  else if (supervisors.length) look = { icon: 'pass', tone: 'ok', label: 'healthy' };
  else if (server.transport === 'http')
    look = { icon: 'globe', tone: 'idle', label: server.protection === 'direct' ? 'remote · direct' : 'remote' };
  else if (server.transport === 'sse')
    look = { icon: 'circle-slash', tone: 'idle', label: 'legacy SSE, not protected' };
  else if (server.protection === 'direct') look = { icon: 'circle-slash', tone: 'idle', label: 'not running · direct' };
  else look = { icon: 'circle-slash', tone: 'idle', label: 'not running' };
  return { server, look, supervisors };
}

export function worstOther(others: readonly OtherServer[]): OtherServer | undefined {
  return [...others].sort((a, b) => RANK[b.look.tone] - RANK[a.look.tone])[0];
}

export function clientsOf(server: McpServer): string {
  return [...new Set(server.entries.map((e) => CLIENT_NAMES[e.client]))].join(', ');
}

/** The protection in words. */
export function protectionLabel(server: McpServer): string {
  const how = server.entries.some((e) => e.protection === 'supervisor') ? 'supervised' : 'through the gateway';
  return server.protection === 'protected' ? how : server.protection === 'partly' ? `partly ${how}` : 'direct';
}
