import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { STORE_FILE, SessionStore, type PersistedSession } from '../../src/core/gateway/store';

const DAY = 24 * 3600_000;
const session = (id: string, lastUsedAt: string): PersistedSession => ({
  id, server: 'archon', initParams: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
  subscriptions: ['file:///a'], upstreamSessionId: 'up-1', createdAt: lastUsedAt, lastUsedAt,
});

describe('persisted gateway sessions', () => {
  it('writes a 0600 file in a 0700 directory and reads it back', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gw-store-'));
    const dir = join(root, 'state');
    try {
      const errors: string[] = [];
      const a = new SessionStore(dir, 7 * DAY, (m) => errors.push(m));
      a.load();
      a.put(session('s1', new Date().toISOString()));
      await a.flush();
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.equal(statSync(join(dir, STORE_FILE)).mode & 0o777, 0o600);
      const b = new SessionStore(dir, 7 * DAY, (m) => errors.push(m));
      b.load();
      assert.deepEqual(b.get('s1'), session('s1', a.get('s1')!.lastUsedAt));
      b.delete('s1');
      await b.flush();
      const c = new SessionStore(dir, 7 * DAY, () => undefined);
      c.load();
      assert.equal(c.get('s1'), undefined);
      assert.deepEqual(errors, []);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('drops entries unused for longer than the TTL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-store-'));
    try {
      const now = Date.now();
      writeFileSync(join(dir, STORE_FILE), JSON.stringify({
        version: 1,
        sessions: [session('fresh', new Date(now - DAY).toISOString()), session('stale', new Date(now - 8 * DAY).toISOString())],
      }));
      const s = new SessionStore(dir, 7 * DAY, () => undefined);
      s.load(now);
      assert.ok(s.get('fresh'));
      assert.equal(s.get('stale'), undefined);
      s.put(session('new', new Date().toISOString()));
      await s.flush();
      const ids = (JSON.parse(readFileSync(join(dir, STORE_FILE), 'utf8')) as { sessions: PersistedSession[] }).sessions.map((x) => x.id);
      assert.deepEqual(ids.sort(), ['fresh', 'new']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('survives a damaged file (starts empty, says so)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-store-'));
    try {
      writeFileSync(join(dir, STORE_FILE), '{not json');
      const errors: string[] = [];
      const s = new SessionStore(dir, DAY, (m) => errors.push(m));
      s.load();
      assert.equal(s.all().length, 0);
      assert.equal(errors.length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps nothing on disk without a state dir', async () => {
    const s = new SessionStore(undefined, DAY, () => undefined);
    s.load();
    s.put(session('x', new Date().toISOString()));
    await s.flush();
    assert.ok(s.get('x'));
  });
});
