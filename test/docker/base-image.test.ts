// The gateway's base image may be any image with node on its PATH: one with node at /usr/bin/node (a
// distro's or a mirror's) runs the gateway; one without node, or an old node, is refused with a message
// before anything is made, and the probe container is gone afterwards. Real Docker engine.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { before, describe, test } from 'node:test';
import { checkBaseImage, gatewayDockerfile } from '../../src/core/always-on/image';
import { DockerGatewayError, LABELS } from '../../src/core/always-on/sidecar-vocabulary';
import { docker, engineProblem, nodeFiles, tarStream } from '../helpers/docker';

const CLI = resolve(__dirname, '../../dist/cli.js');
const USR_BIN = 'archon-mcp-doctor-test/node-usr-bin:1';
const NO_NODE = 'archon-mcp-doctor-test/no-node:1';
const GATEWAY = 'archon-mcp-doctor-test/gateway-usr-bin:1';

function follow(stream: NodeJS.ReadableStream): Promise<void> {
  return new Promise((res, rej) =>
    docker().modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
      const bad = (out ?? []).find((o) => o.error);
      if (err || bad) rej(err ?? new Error(bad!.error));
      else res();
    }),
  );
}

async function build(tag: string, files: { name: string; data: Buffer }[]): Promise<void> {
  await follow(
    (await docker().buildImage(tarStream(files.map((f) => ({ ...f, type: 'file' as const }))) as never, {
      t: tag,
      rm: true,
      forcerm: true,
    })) as unknown as NodeJS.ReadableStream,
  );
}

describe('the gateway base image', () => {
  let skip: string | false = false;
  before(async () => {
    const problem = await engineProblem();
    if (problem && process.env.CI !== 'true') {
      skip = `needs a Docker engine: ${problem}`;
      return;
    }
    assert.equal(problem, undefined, `a Docker engine (CI=true): ${problem}`);
    // node at /usr/bin/node, PATH without /usr/local/bin: what Debian's or a mirror's image looks like.
    const tar = tarStream(await nodeFiles('/usr/bin/node'));
    await follow(
      (await docker().importImage(
        tar as never,
        { repo: USR_BIN.split(':')[0], tag: '1', changes: ['ENV PATH=/usr/bin:/bin'] } as never,
      )) as unknown as NodeJS.ReadableStream,
    );
    await build(NO_NODE, [
      { name: 'Dockerfile', data: Buffer.from('FROM scratch\nCOPY keep /keep\n') },
      { name: 'keep', data: Buffer.from('x') },
    ]);
  });

  const probes = async () =>
    (
      await docker().listContainers({
        all: true,
        filters: { label: [`${LABELS.managed}=1`], ancestor: [USR_BIN, NO_NODE] },
      })
    ).length;

  test('node at /usr/bin/node is found on the PATH, and the gateway image built on it runs', async (t) => {
    if (skip) return t.skip(skip);
    assert.equal(await checkBaseImage(docker(), USR_BIN), process.versions.node);
    await build(GATEWAY, [
      {
        name: 'Dockerfile',
        data: Buffer.from(gatewayDockerfile(USR_BIN, 'test').replace(/COPY --chown=\S+ state \S+\n/, '')),
      },
      { name: 'cli.js', data: readFileSync(CLI) },
    ]);
    const c = await docker().createContainer({ Image: GATEWAY, Cmd: ['--help'], HostConfig: { NetworkMode: 'none' } });
    try {
      await c.start();
      const { StatusCode } = (await c.wait()) as { StatusCode: number };
      const out = (await c.logs({ stdout: true, stderr: true, follow: false })).toString('latin1');
      assert.equal(StatusCode, 0, out);
      assert.match(out, /usage: archon-mcp-doctor proxy/);
    } finally {
      await c.remove({ force: true });
    }
    assert.equal(await probes(), 0, 'the probe container is removed');
  });

  test('an image without node is refused with a message that says what is wrong', async (t) => {
    if (skip) return t.skip(skip);
    await assert.rejects(checkBaseImage(docker(), NO_NODE), (e: unknown) => {
      assert.ok(e instanceof DockerGatewayError);
      assert.equal(e.code, 'base-image-unusable');
      assert.match(
        e.message,
        /Base image "archon-mcp-doctor-test\/no-node:1" has no `node` on its PATH \(PATH=\/usr\/local\/sbin:[^)]*\)\. Use an image with Node\.js 20 or newer/,
      );
      assert.doesNotMatch(e.message, /OCI runtime/);
      return true;
    });
    assert.equal(await probes(), 0, 'the probe container is removed');
  });
});
