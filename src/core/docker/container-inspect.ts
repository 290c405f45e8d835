// Reading an inspect answer (`GET /containers/{id}/json`) into the container's snapshot. Pure.
import type Dockerode from 'dockerode';
import type { ContainerSnapshot, ContainerState } from './snapshot';

/** `State.Health` of an inspect answer, each part of which may be missing. */
interface InspectHealth {
  Status?: string;
  FailingStreak?: number;
  Log?: { Output?: string }[];
}

/** The engine's zero time (`0001-01-01T00:00:00Z`): never started / never finished. */
function isZeroTime(t: string | undefined): boolean {
  return !t || t.startsWith('0001-');
}

/**
 * Writes what the inspect answer says into `snap`: state, instance, the last death, limits, restart
 * policy, health check and health. Returns the running instance's id (container id + start time),
 * undefined when the container never started.
 */
export function applyInspectAnswer(snap: ContainerSnapshot, d: Dockerode.ContainerInspectInfo): string | undefined {
  const st = d.State;
  const neverStarted = isZeroTime(st.StartedAt);
  const instanceId = neverStarted ? undefined : `${d.Id.slice(0, 12)}@${st.StartedAt}`;
  snap.containerId = d.Id;
  snap.state = normalizeState(st.Status);
  if (instanceId) snap.instanceId = instanceId;
  if (!neverStarted) snap.startedAt = st.StartedAt;
  snap.oomKilled = st.OOMKilled;
  if (!st.Running && typeof st.ExitCode === 'number') snap.lastExitCode = st.ExitCode;
  if (!st.Running && !neverStarted && !isZeroTime(st.FinishedAt)) {
    // The instance that ended: keep what the engine says about it (OOMKilled resets on the next start).
    const ld = snap.lastDeath;
    if (ld && ld.instanceId === instanceId) {
      if (st.OOMKilled) ld.oomKilled = true;
      if (ld.exitCode === undefined) ld.exitCode = st.ExitCode;
    } else if (!ld || Date.parse(st.FinishedAt) > Date.parse(ld.at) + 1000) {
      snap.lastDeath = {
        at: st.FinishedAt,
        exitCode: st.ExitCode,
        oomKilled: !!st.OOMKilled,
        ...(instanceId ? { instanceId } : {}),
      };
    }
  }
  snap.engineRestartCount = d.RestartCount;
  const hc = d.HostConfig;
  snap.memoryLimitBytes = hc.Memory ?? 0;
  const rp = hc.RestartPolicy;
  snap.restartPolicy = rp?.Name
    ? rp.Name === 'on-failure' && rp.MaximumRetryCount
      ? `on-failure:${rp.MaximumRetryCount}`
      : rp.Name
    : 'no';
  const check = d.Config.Healthcheck;
  if (check?.Test && check.Test[0] !== 'NONE') {
    const h: NonNullable<ContainerSnapshot['healthcheck']> = { test: check.Test.slice(1).join(' ') };
    if (check.Interval) h.intervalSeconds = check.Interval / 1e9;
    if (check.Retries) h.retries = check.Retries;
    snap.healthcheck = h;
  } else delete snap.healthcheck;
  // Typed as complete; an engine may leave out parts of it.
  const health: InspectHealth | undefined = st.Health;
  if (health?.Status && st.Running) {
    snap.health =
      health.Status === 'healthy' || health.Status === 'unhealthy' || health.Status === 'starting'
        ? health.Status
        : 'none';
    snap.healthFailingStreak = health.FailingStreak ?? 0;
    const last = health.Log?.[health.Log.length - 1];
    if (last?.Output !== undefined) snap.healthOutput = last.Output.trim().slice(0, 500);
  } else {
    snap.health = 'none';
    delete snap.healthFailingStreak;
    delete snap.healthOutput;
  }
  return instanceId;
}

function normalizeState(s: string | undefined): ContainerState {
  switch (s) {
    case 'running':
    case 'restarting':
    case 'exited':
    case 'paused':
    case 'created':
    case 'dead':
    case 'removing':
      return s;
    default:
      return 'unknown';
  }
}
