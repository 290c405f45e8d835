// The faults of `npm run chaos`, each done to the REAL Docker container of the Archon-like fixture
// through dockerode (or to the gateway CLI process), each returning once the fixture answers again.
import { waitFor } from '../test/helpers/wait';
import type { FixtureContainer } from '../test/helpers/docker';
import {
  callFixtureTool,
  docker,
  engineScript,
  engineStartedByScript,
  fireFixtureTool,
  waitHealthy200,
} from '../test/helpers/docker';
import { sleep } from './stats';

export const FAULT_KINDS = ['restart', 'oom-kill', 'freeze', 'daemon-restart', 'health-flap', 'gateway-kill'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How many of each fault the full run does (issue 12, section 5). */
export const FULL_COUNTS: Record<FaultKind, number> = {
  restart: 50,
  'oom-kill': 5,
  freeze: 3,
  'daemon-restart': 2,
  'health-flap': 10,
  'gateway-kill': 3,
};

export interface FaultContext {
  fx: FixtureContainer;
  freezeMs: number;
  /** Kills the gateway CLI with SIGKILL and starts it again on the same port and state dir. */
  restartGateway(): Promise<void>;
}

export interface FaultOutcome {
  /** When the fault hit (the break), epoch ms. */
  breakAt: number;
  /** Set when the fault could not be done (e.g. an engine this script did not start). */
  skipped?: string;
}

const READY_MS = 60_000;

async function inspect(fx: FixtureContainer) {
  return docker().getContainer(fx.name).inspect();
}

export async function runFault(kind: FaultKind, ctx: FaultContext): Promise<FaultOutcome> {
  const { fx } = ctx;
  switch (kind) {
    case 'restart': {
      const breakAt = Date.now();
      await fx.container.restart({ t: 1 });
      await waitHealthy200(fx.healthUrl, READY_MS);
      return { breakAt };
    }
    case 'oom-kill': {
      const before = (await inspect(fx)).RestartCount;
      const breakAt = Date.now();
      // Sent directly, not through the gateway: the OOM is the fault, not one of the counted calls.
      const cancel = fireFixtureTool(fx.url, 'test_allocate_memory', { mb: 512 });
      try {
        await waitFor('the OOM kill and restart', async () => (await inspect(fx)).RestartCount > before, 30_000);
      } finally {
        cancel();
      }
      await waitHealthy200(fx.healthUrl, READY_MS);
      return { breakAt };
    }
    case 'freeze': {
      const breakAt = Date.now();
      await fx.container.kill({ signal: 'SIGSTOP' });
      try {
        await sleep(ctx.freezeMs);
      } finally {
        await fx.container.kill({ signal: 'SIGCONT' });
      }
      await waitHealthy200(fx.healthUrl, READY_MS);
      return { breakAt };
    }
    case 'daemon-restart': {
      if (!engineStartedByScript())
        return {
          breakAt: Date.now(),
          skipped: "the engine was not started by scripts/docker-engine.sh: not restarting somebody else's daemon",
        };
      const breakAt = Date.now();
      await engineScript('stop');
      // The engine must be running afterwards whatever happens: several tries before giving up loudly.
      let lastError: unknown;
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          await engineScript('start');
          lastError = undefined;
          break;
        } catch (e) {
          lastError = e;
          await sleep(2000);
        }
      }
      if (lastError) throw new Error(`chaos: the Docker engine did not start again: ${(lastError as Error).message}`);
      // The restart policy (unless-stopped) brings the container back with the daemon.
      await waitFor('the container running again', async () => Boolean((await inspect(fx)).State.Running), READY_MS);
      await waitHealthy200(fx.healthUrl, READY_MS);
      return { breakAt };
    }
    case 'health-flap': {
      const breakAt = Date.now();
      const health = async () => (await inspect(fx)).State.Health?.Status;
      await callFixtureTool(fx.url, 'test_set_health', { healthy: false });
      try {
        await waitFor('health_status: unhealthy', async () => (await health()) === 'unhealthy', 30_000);
      } finally {
        await callFixtureTool(fx.url, 'test_set_health', { healthy: true });
      }
      await waitFor('health_status: healthy', async () => (await health()) === 'healthy', 30_000);
      return { breakAt };
    }
    case 'gateway-kill': {
      const breakAt = Date.now();
      await ctx.restartGateway();
      return { breakAt };
    }
  }
}

/** Counts the container's Docker events (oom, die, start, health) for the report and keeps the times of
 *  its deaths (the real break of a restart, not when it was asked for); reconnects after a daemon restart. */
export function countContainerEvents(name: string): { counts: Record<string, number>; deaths: number[]; stop(): void } {
  const counts: Record<string, number> = {};
  const deaths: number[] = [];
  let stopped = false;
  let current: NodeJS.ReadableStream | undefined;
  const follow = async () => {
    while (!stopped) {
      try {
        const stream = (await docker().getEvents({
          filters: { container: [name], type: ['container'] },
        })) as NodeJS.ReadableStream;
        current = stream;
        let buf = '';
        await new Promise<void>((resolve) => {
          stream.on('data', (chunk: Buffer) => {
            buf += chunk.toString('utf8');
            for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
              const line = buf.slice(0, i);
              buf = buf.slice(i + 1);
              try {
                const e = JSON.parse(line) as { Action?: string; timeNano?: number; time?: number };
                const action = String(e.Action ?? '');
                if (!/^exec_/.test(action)) counts[action] = (counts[action] ?? 0) + 1;
                if (action === 'die') deaths.push(e.timeNano ? Math.round(e.timeNano / 1e6) : (e.time ?? 0) * 1000);
              } catch {
                /* a partial line is completed by the next chunk */
              }
            }
          });
          stream.once('end', resolve);
          stream.once('error', () => resolve());
          stream.once('close', () => resolve());
        });
      } catch {
        /* the engine is restarting */
      }
      if (!stopped) await sleep(500);
    }
  };
  void follow();
  return {
    counts,
    deaths,
    stop() {
      stopped = true;
      (current as unknown as { destroy?: () => void } | undefined)?.destroy?.();
    },
  };
}
