import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { classifyDockerError, containerNotFound, resolveDockerTarget } from '../../src/core/docker/engine-address';

describe('resolveDockerTarget', () => {
  it('uses DOCKER_HOST unix://', () => {
    const t = resolveDockerTarget({ env: { DOCKER_HOST: 'unix:///run/user/1000/docker.sock' }, platform: 'linux' });
    assert.deepEqual(
      [t.kind, t.kind === 'socket' && t.socketPath, t.source],
      ['socket', '/run/user/1000/docker.sock', 'DOCKER_HOST'],
    );
  });
  it('uses DOCKER_HOST tcp://', () => {
    const t = resolveDockerTarget({ env: { DOCKER_HOST: 'tcp://10.0.0.5:2375' }, platform: 'linux' });
    assert.equal(t.kind, 'tcp');
    assert.ok(t.kind === 'tcp' && t.host === '10.0.0.5' && t.port === '2375');
  });
  it('uses DOCKER_HOST npipe:// on Windows', () => {
    const t = resolveDockerTarget({ env: { DOCKER_HOST: 'npipe:////./pipe/docker_engine' }, platform: 'win32' });
    assert.ok(t.kind === 'socket' && t.socketPath === '//./pipe/docker_engine');
    assert.match(t.description, /^npipe:/);
  });
  it('an explicit socket path overrides DOCKER_HOST', () => {
    const t = resolveDockerTarget({
      socketPath: 'unix:///tmp/x.sock',
      env: { DOCKER_HOST: 'tcp://h:2375' },
      platform: 'linux',
    });
    assert.ok(t.kind === 'socket' && t.socketPath === '/tmp/x.sock' && t.source === 'option');
  });
  it('defaults to the platform socket', () => {
    const w = resolveDockerTarget({ env: {}, platform: 'win32' });
    assert.ok(w.kind === 'socket' && w.socketPath === '//./pipe/docker_engine');
    const l = resolveDockerTarget({ env: {}, platform: 'linux' });
    assert.ok(l.kind === 'socket' && l.socketPath.endsWith('docker.sock') && l.source === 'default');
  });
});

describe('classifyDockerError', () => {
  const target = resolveDockerTarget({ socketPath: '/var/run/docker.sock', platform: 'linux' });
  const err = (code: string) => Object.assign(new Error(`connect ${code} /var/run/docker.sock`), { code });
  it('socket missing', () => {
    const p = classifyDockerError(err('ENOENT'), target);
    assert.equal(p.code, 'socket-missing');
    assert.match(p.message, /does not exist/);
    assert.doesNotMatch(p.message, /\n/);
  });
  it('not installed when the default socket is missing and no docker binary exists', () => {
    const def = resolveDockerTarget({ env: {}, platform: 'linux' });
    assert.equal(classifyDockerError(err('ENOENT'), def, { dockerInstalled: false }).code, 'not-installed');
  });
  it('permission denied names the docker group fix', () => {
    const p = classifyDockerError(err('EACCES'), target);
    assert.equal(p.code, 'permission-denied');
    assert.match(p.message, /docker" group/);
  });
  it('engine not answering', () => {
    assert.equal(classifyDockerError(err('ECONNREFUSED'), target).code, 'not-answering');
    assert.equal(classifyDockerError(err('ETIMEDOUT'), target).code, 'not-answering');
  });
  it('container not found lists the running containers', () => {
    const p = containerNotFound(['archon-mcp', 'Archon-MCP'], ['supabase-db', 'archon-server']);
    assert.equal(p.code, 'container-not-found');
    assert.match(p.message, /"archon-mcp" or "Archon-MCP"/);
    assert.match(p.message, /supabase-db, archon-server/);
  });
});
