// Why a server is not up, in the user's terms: calm (nothing was lost that the user did not cause)
// or a loss. Pure, over one snapshot; the monitor keeps the answer in `ServerSnapshot.down`.
// The Docker vocabulary's own file, not the docker folder's index: the monitor sits below Docker, and the
// index would bring the Docker link (which depends on the monitor) into its graph.
import type { ContainerSnapshot } from './docker/snapshot';
import { CALM_DOWN_REASONS, type DownInfo, type DownReason, type ServerSnapshot } from './server-state';

/** Container states in which `docker start` brings the server back. */
const STARTABLE = new Set<ContainerSnapshot['state']>(['exited', 'created']);
const UP = new Set<ContainerSnapshot['state']>(['running', 'restarting']);

/**
 * @param watchingSinceMs when the monitor started (the window opened): a container death before it
 *   was not seen happen, so it cannot count as a loss.
 */
export function whyDown(s: ServerSnapshot, watchingSinceMs: number): DownInfo | undefined {
  if (s.state === 'needs-attention') return info('heal-failed', `automatic healing of ${s.name} gave up`);
  // `session-lost` also lasts while a server that lost our session is down (the monitor probes on).
  if (s.state !== 'unreachable' && s.state !== 'session-lost') return undefined;

  const c = s.container;
  const known = c && !c.problem && c.state !== 'unknown' ? c : undefined;
  const containerDown = known !== undefined && !UP.has(known.state);
  const name = known ? (known.matchedName ?? known.configuredName) : undefined;
  const startable = known?.containerId && STARTABLE.has(known.state) ? name : undefined;
  const death = containerDown ? known.lastDeath : undefined;

  if (death && Date.parse(death.at) >= watchingSinceMs) {
    if (death.oomKilled) return info('oom-kill', `container ${name} was killed for running out of memory`, startable);
    if (!death.deliberate)
      return info(
        'crash',
        `container ${name} crashed${death.exitCode !== undefined ? ` (exit ${death.exitCode})` : ''}`,
        startable,
      );
    return info(
      'stopped-on-purpose',
      known!.state === 'missing'
        ? `container ${name} was stopped and removed (docker compose down?)`
        : `container ${name} was stopped`,
      startable,
    );
  }
  // A session lost on a server that Docker does not explain: its state already says it.
  if (s.state === 'session-lost') return undefined;
  if (!s.firstReachedAt) {
    const where = containerDown
      ? `; container ${name} is ${known.state === 'missing' ? 'not there' : 'not running'}`
      : '';
    return info('not-started', `${s.name} has not been reached since the window opened${where}`, startable);
  }
  return info('vanished', `${s.name} was healthy and went away`, startable);
}

function info(reason: DownReason, detail: string, startableContainer?: string): DownInfo {
  const d: DownInfo = { reason, calm: CALM_DOWN_REASONS.includes(reason), detail };
  if (startableContainer) d.startableContainer = startableContainer;
  return d;
}
