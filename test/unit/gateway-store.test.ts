import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { STORE_FILE, GatewaySessionStore, type GatewaySession } from '../../src/core/gateway/store';

const DAY = 24 * 3600_000;
const session = (id: string, lastUsedAt: string): GatewaySession => ({
  id,
  server: 'archon',
  initParams: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } },
  subscriptions: ['file:///a'],
  upstreamSessionId: 'up-1',
  createdAt: lastUsedAt,
  lastUsedAt,
});

describe('persisted gateway sessions', () => {
  it('writes a 0600 file in a 0700 directory and reads it back', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gw-store-'));
    const dir = join(root, 'state');
    try {
      const errors: string[] = [];
      const a = new GatewaySessionStore(dir, 7 * DAY, (m) => errors.push(m));
      a.load();
      a.put(session('s1', new Date().toISOString()));
      await a.flush();
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.equal(statSync(join(dir, STORE_FILE)).mode & 0o777, 0o600);
      const b = new GatewaySessionStore(dir, 7 * DAY, (m) => errors.push(m));
      b.load();
      assert.deepEqual(b.get('s1'), session('s1', a.get('s1')!.lastUsedAt));
      b.delete('s1');
      await b.flush();
      const c = new GatewaySessionStore(dir, 7 * DAY, () => undefined);
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
      writeFileSync(
        join(dir, STORE_FILE),
        JSON.stringify({
          version: 1,
          sessions: [
            session('fresh', new Date(now - DAY).toISOString()),
            session('stale', new Date(now - 8 * DAY).toISOString()),
          ],
        }),
      );
      const s = new GatewaySessionStore(dir, 7 * DAY, () => undefined);
      s.load(now);
      assert.ok(s.get('fresh'));
      assert.equal(s.get('stale'), undefined);
      s.put(session('new', new Date().toISOString()));
      await s.flush();
      const ids = (
        JSON.parse(readFileSync(join(dir, STORE_FILE), 'utf8')) as { sessions: GatewaySession[] }
      ).sessions.map((x) => x.id);
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
      const s = new GatewaySessionStore(dir, DAY, (m) => errors.push(m));
      s.load();
      assert.equal(s.all().length, 0);
      assert.equal(errors.length, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps nothing on disk without a state dir', async () => {
    const s = new GatewaySessionStore(undefined, DAY, () => undefined);
    s.load();
    s.put(session('x', new Date().toISOString()));
    await s.flush();
    assert.ok(s.get('x'));
  });

  for (const [what, content] of [
    ['"sessions": {}', '{"version":1,"sessions":{}}'],
    ['a number', '42'],
    ['null', 'null'],
    ['a list', '[1,2]'],
    ['no sessions key', '{"version":1}'],
    ['garbage', '\u0000\u0001garbage'],
  ] as const) {
    it(`a file with ${what} is set aside (not overwritten), reported, and the store keeps working`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gw-store-'));
      try {
        writeFileSync(join(dir, STORE_FILE), content);
        const reports: string[] = [];
        const s = new GatewaySessionStore(dir, DAY, (m) => reports.push(m));
        assert.doesNotThrow(() => s.load());
        assert.equal(s.all().length, 0);
        assert.equal(reports.length, 1);
        assert.match(reports[0], /kept it as .*gateway-sessions\.json\.damaged-/);
        const aside = readdirSync(dir).filter((f) => f.startsWith(`${STORE_FILE}.damaged-`));
        assert.equal(aside.length, 1);
        assert.equal(readFileSync(join(dir, aside[0]), 'utf8'), content, 'the damaged file is kept as it was');
        s.put(session('after', new Date().toISOString()));
        await s.flush();
        const again = new GatewaySessionStore(dir, DAY, (m) => reports.push(m));
        again.load();
        assert.ok(again.get('after'), 'saving works after the damage');
        assert.equal(reports.length, 1);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  it('drops invalid entries, says how many and why, and keeps the valid ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-store-'));
    try {
      const now = new Date().toISOString();
      const good = session('good', now);
      writeFileSync(
        join(dir, STORE_FILE),
        JSON.stringify({
          version: 1,
          sessions: [
            good,
            7,
            null,
            { ...good, id: 5 },
            { ...good, id: 'x', initParams: 'nope' },
            { ...good, id: 'y', lastUsedAt: 'yesterday' },
            { ...good, id: 'z', upstreamSessionId: 12 },
            { ...good, id: 'subs', subscriptions: ['file:///ok', 3] },
          ],
        }),
      );
      const reports: string[] = [];
      const s = new GatewaySessionStore(dir, DAY, (m) => reports.push(m));
      s.load();
      assert.deepEqual(
        s
          .all()
          .map((x) => x.id)
          .sort(),
        ['good', 'subs'],
      );
      assert.deepEqual(s.get('subs')?.subscriptions, ['file:///ok']);
      assert.equal(reports.length, 1);
      assert.match(
        reports[0],
        /dropped 6 of 8 saved session\(s\) that were not valid: entry 2 is a number, not a session; entry 3 is null/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
