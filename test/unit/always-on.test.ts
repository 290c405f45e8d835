// Pure parts of the gateway in Docker and of gateway hand-over: which network and container port an
// upstream maps to, the image's Dockerfile, and whether a holder serves our upstreams.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type Dockerode from 'dockerode';
import {
  DockerGatewayError,
  asDockerGatewayError,
  containerPortFor,
  gatewayDockerfile,
  userNetworks,
} from '../../src/core/always-on';
import { resolveDockerTarget } from '../../src/core/docker/engine-address';
import { parseUpstream } from '../../src/core/always-on/upstream-address';
import { holderMismatch, sameUpstreamKey, type HolderInfo } from '../../src/core/gateway';

const inspect = (networks: string[], ports: Record<string, { HostIp: string; HostPort: string }[] | null>) =>
  ({
    NetworkSettings: { Networks: Object.fromEntries(networks.map((n) => [n, {}])), Ports: ports },
  }) as unknown as Dockerode.ContainerInspectInfo;

describe('upstream container mapping', () => {
  it('keeps only user-defined networks, sorted', () => {
    assert.deepEqual(userNetworks(inspect(['bridge'], {})), []);
    assert.deepEqual(userNetworks(inspect(['host'], {})), []);
    assert.deepEqual(userNetworks(inspect(['bridge', 'archon_app-network', 'a-net'], {})), [
      'a-net',
      'archon_app-network',
    ]);
  });

  it('maps a published host port to the container port, TCP only', () => {
    const info = inspect(['n'], {
      '8051/tcp': [
        { HostIp: '0.0.0.0', HostPort: '18000' },
        { HostIp: '::', HostPort: '18000' },
      ],
      '9000/udp': [{ HostIp: '0.0.0.0', HostPort: '9001' }],
      '3737/tcp': null,
    });
    assert.equal(containerPortFor(info, 18000), 8051);
    assert.equal(containerPortFor(info, 9001), undefined);
    assert.equal(containerPortFor(info, 3737), undefined);
  });

  it('maps the configured publish of a stopped container (which has no live ports)', () => {
    const stopped = {
      NetworkSettings: { Networks: { n: {} }, Ports: {} },
      HostConfig: { PortBindings: { '8051/tcp': [{ HostIp: '', HostPort: '8051' }] } },
    } as unknown as Dockerode.ContainerInspectInfo;
    assert.equal(containerPortFor(stopped, 8051), 8051);
  });

  it('refuses an upstream that is not an http(s) URL, with the reason', () => {
    assert.throws(
      () => parseUpstream('localhost:8051'),
      (e: Error & { code?: string }) => e.code === 'bad-upstream',
    );
    assert.throws(() => parseUpstream('ftp://x/mcp'), /http\(s\)/);
    assert.equal(parseUpstream('http://localhost:8051/mcp').port, '8051');
  });
});

describe('gateway image', () => {
  it('uses no RUN step (a base image without a shell works), runs unprivileged, and labels its content', () => {
    const df = gatewayDockerfile('node:24-slim', 'abc123');
    assert.match(df, /^FROM node:24-slim$/m);
    assert.doesNotMatch(df, /^RUN /m);
    assert.match(df, /^USER 65534:65534$/m);
    // node through the image's PATH: /usr/local/bin, /usr/bin and distroless images alike.
    assert.match(df, /ENTRYPOINT \["node", "\/app\/cli\.js", "proxy"\]/);
    assert.match(df, /archon-mcp-doctor\.gateway\.context="abc123"/);
  });
});

describe('holder matching', () => {
  const holder = (servers: HolderInfo['servers']): HolderInfo => ({
    service: 'archon-mcp-doctor-gateway',
    pid: 1,
    baseUrl: 'http://127.0.0.1:18051',
    servers,
  });

  it('treats loopback spellings, default ports, credentials and a trailing slash as one upstream', () => {
    assert.equal(sameUpstreamKey('http://localhost:8051/mcp'), sameUpstreamKey('http://127.0.0.1:8051/mcp/'));
    assert.equal(sameUpstreamKey('http://[::1]:8051/mcp'), sameUpstreamKey('http://u:p@127.0.0.1:8051/mcp'));
    assert.equal(sameUpstreamKey('http://archon:80/mcp'), sameUpstreamKey('http://archon/mcp'));
    assert.notEqual(sameUpstreamKey('http://localhost:8051/mcp'), sameUpstreamKey('http://localhost:8052/mcp'));
  });

  it('names each endpoint the holder lacks or serves for another upstream', () => {
    const h = holder([
      { slug: 'archon', url: 'http://127.0.0.1:18051/archon/mcp', upstream: 'http://localhost:8051/mcp' },
    ]);
    assert.deepEqual(holderMismatch(h, [{ slug: 'archon', upstream: 'http://127.0.0.1:8051/mcp' }]), []);
    const m = holderMismatch(h, [
      { slug: 'archon', upstream: 'http://localhost:9999/mcp' },
      { slug: 'docs', upstream: 'http://localhost:1/mcp' },
    ]);
    assert.equal(m.length, 2);
    assert.match(
      m[0],
      /\/archon\/mcp at http:\/\/127\.0\.0\.1:18051 forwards to http:\/\/localhost:8051\/mcp, not to http:\/\/localhost:9999\/mcp/,
    );
    assert.match(m[1], /does not serve \/docs\/mcp \(it serves \/archon\/mcp\)/);
  });

  it('trusts an older holder that does not report upstreams on its slugs', () => {
    assert.deepEqual(
      holderMismatch(holder([{ slug: 'archon', url: 'x' }]), [{ slug: 'archon', upstream: 'http://localhost:1/mcp' }]),
      [],
    );
  });
});

describe('engine failures as docker-gateway errors', () => {
  const target = resolveDockerTarget({ socketPath: '/var/run/docker.sock' });
  const err = (code: string) => Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });

  it('maps a missing socket, a refused connection, a denied socket and anything else to one code each', () => {
    assert.equal(asDockerGatewayError(err('ENOENT'), target).code, 'no-docker');
    assert.equal(asDockerGatewayError(err('ECONNREFUSED'), target).code, 'no-docker');
    const denied = asDockerGatewayError(err('EACCES'), target);
    assert.equal(denied.code, 'permission-denied');
    assert.match(denied.message, /Permission denied on unix:\/\/\/var\/run\/docker\.sock.*usermod -aG docker/);
    assert.equal(
      asDockerGatewayError(Object.assign(new Error('(HTTP code 500) server error'), { statusCode: 500 }), target).code,
      'docker-error',
    );
  });

  it('passes its own errors through unchanged', () => {
    const own = new DockerGatewayError('port-taken', 'Port 18051 on 127.0.0.1 is taken');
    assert.equal(asDockerGatewayError(own, target), own);
  });
});
