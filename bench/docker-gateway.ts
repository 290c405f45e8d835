// docker_gateway_up_ms: wall time of `archon-mcp-doctor docker-gateway up` (the bundled CLI, a fresh
// process each time) with the base image present and the gateway image not yet built, until the
// gateway answers on its published port. Beside it docker_gateway_up_cached_ms: the same with the
// gateway image already built (a recreate after `down`). Skips (returns {}) without an engine.
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { GATEWAY_CONTAINER_NAME, GATEWAY_IMAGE_REPO } from '../src/core/always-on';
import {
  ROOT,
  docker,
  engineProblem,
  ensureImages,
  ensureNetwork,
  removeContainer,
  removeNetwork,
  runFixtureContainer,
} from '../test/helpers/docker';
import { freePort } from '../test/helpers/servers';
import { median, round, type Metrics } from './stats';

const run = promisify(execFile);
const RUNS = 5;
const NETWORK = 'amd-bench-net';

export async function benchDockerGateway(): Promise<Metrics> {
  const why = await engineProblem();
  if (why) {
    process.stderr.write(`bench: docker-gateway: skipped: ${why}\n`);
    return {};
  }
  const name = `amd-bench-dgw-${process.pid}`;
  const cli = resolve(ROOT, 'dist/cli.js');
  const fresh: number[] = [];
  const cached: number[] = [];
  try {
    const { base } = await ensureImages();
    await ensureNetwork(NETWORK);
    const fc = await runFixtureContainer({ name, network: NETWORK, healthIntervalMs: 30_000 });
    const port = await freePort();
    const up = async (): Promise<number> => {
      const t0 = performance.now();
      await run(
        process.execPath,
        [
          cli,
          'docker-gateway',
          'up',
          '--upstream',
          fc.url,
          '--upstream-container',
          name,
          '--port',
          String(port),
          '--base-image',
          base,
          '--json',
        ],
        { timeout: 180_000 },
      );
      return performance.now() - t0;
    };
    const removeGatewayImages = async () => {
      for (const img of await docker().listImages({ filters: { reference: [`${GATEWAY_IMAGE_REPO}`] } })) {
        await docker()
          .getImage(img.Id)
          .remove({ force: true })
          .catch(() => undefined);
      }
    };
    for (let i = 0; i < RUNS; i++) {
      await removeContainer(GATEWAY_CONTAINER_NAME);
      await removeGatewayImages();
      fresh.push(await up());
      await removeContainer(GATEWAY_CONTAINER_NAME);
      cached.push(await up());
    }
  } finally {
    await removeContainer(GATEWAY_CONTAINER_NAME).catch(() => undefined);
    await removeContainer(name).catch(() => undefined);
    await removeNetwork(NETWORK).catch(() => undefined);
  }
  process.stderr.write(
    `bench: docker-gateway: up, image built (ms): ${fresh.map((x) => round(x)).join(', ')}\n` +
      `bench: docker-gateway: up, image present (ms): ${cached.map((x) => round(x)).join(', ')}\n`,
  );
  return {
    docker_gateway_up_ms: { value: round(median(fresh)), unit: 'ms' },
    docker_gateway_up_cached_ms: { value: round(median(cached)), unit: 'ms' },
  };
}
