// Unit tests for RecentClients (src/core/gateway/stats.ts): the 2026-07-28 clients of the gateway's
// client list, one entry per name and version, kept for a window after their last request, bounded.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RECENT_CLIENT_CAP, RECENT_CLIENT_WINDOW_MS, RecentClients } from '../../src/core/gateway/stats';

describe('RecentClients', () => {
  it('one entry per name and version, newest first; seen() says when the list changed', () => {
    const r = new RecentClients();
    assert.equal(r.seen({ name: 'a', version: '1' }, 1000), true);
    assert.equal(r.seen({ name: 'a', version: '1' }, 2000), false, 'the same client again');
    assert.equal(r.seen({ name: 'a', version: '2' }, 3000), true, 'another version is another client');
    assert.equal(r.seen(undefined, 4000), true, 'a request without clientInfo is the unnamed client');
    const list = r.list(4000);
    assert.deepEqual(
      list.map((c) => [c.name, c.version]),
      [
        [undefined, undefined],
        ['a', '2'],
        ['a', '1'],
      ],
    );
    assert.ok(list.every((c) => c.era === '2026-07-28' && c.session === undefined));
    const a1 = list[2];
    assert.equal(a1.connectedAt, new Date(1000).toISOString());
    assert.equal(a1.lastSeenAt, new Date(2000).toISOString());
  });

  it('names and versions that would run together stay apart', () => {
    const r = new RecentClients();
    assert.equal(r.seen({ name: 'ab', version: 'c' }, 1000), true);
    assert.equal(r.seen({ name: 'a', version: 'bc' }, 1001), true);
    assert.equal(r.seen({ name: 'a', version: 'vbc' }, 1002), true);
    assert.equal(r.seen({ version: '1' }, 1003), true);
    assert.equal(r.seen({ name: '1' }, 1004), true);
    assert.equal(r.seen({ name: '1', version: '' }, 1005), true);
    assert.equal(r.seen({ name: 'ab', version: 'c' }, 1006), false, 'the first again: already listed');
    assert.equal(r.list(1006).length, 6);
  });

  it('the newest client seen again after its window is listed anew', () => {
    const r = new RecentClients();
    r.seen({ name: 'a', version: '1' }, 0);
    assert.equal(r.seen({ name: 'a', version: '1' }, RECENT_CLIENT_WINDOW_MS + 1), true);
    assert.equal(
      r.list(RECENT_CLIENT_WINDOW_MS + 1)[0].connectedAt,
      new Date(RECENT_CLIENT_WINDOW_MS + 1).toISOString(),
    );
  });

  it(`drops a client ${RECENT_CLIENT_WINDOW_MS / 60_000} minutes after its last request`, () => {
    const r = new RecentClients();
    r.seen({ name: 'old', version: '1' }, 0);
    r.seen({ name: 'new', version: '1' }, RECENT_CLIENT_WINDOW_MS);
    assert.deepEqual(
      r.list(RECENT_CLIENT_WINDOW_MS).map((c) => c.name),
      ['new', 'old'],
    );
    assert.deepEqual(
      r.list(RECENT_CLIENT_WINDOW_MS + 1).map((c) => c.name),
      ['new'],
    );
    assert.equal(
      r.seen({ name: 'old', version: '1' }, RECENT_CLIENT_WINDOW_MS + 2),
      true,
      'back after it left: listed anew',
    );
  });

  it(`keeps at most ${RECENT_CLIENT_CAP} clients, dropping the least recently seen`, () => {
    const r = new RecentClients();
    for (let i = 0; i < RECENT_CLIENT_CAP; i++) r.seen({ name: `c${i}`, version: '1' }, i);
    r.seen({ name: 'c0', version: '1' }, 1000); // seen again: now the most recent
    for (let i = 0; i < 10; i++) r.seen({ name: `new${i}`, version: '1' }, 2000 + i);
    const names = r.list(3000).map((c) => c.name);
    assert.equal(names.length, RECENT_CLIENT_CAP);
    assert.equal(names[0], 'new9');
    assert.ok(names.includes('c0'), 'seen lately: kept');
    assert.ok(!names.includes('c1') && !names.includes('c10'), 'the least recently seen went first');
    assert.ok(names.includes('c11'));
  });

  it('cuts over-long names and versions (they come from the client, unchecked)', () => {
    const r = new RecentClients();
    r.seen({ name: 'x'.repeat(100_000), version: 'y'.repeat(500) }, 0);
    const [c] = r.list(0);
    assert.ok(c.name && c.name.length <= 100 && c.name.endsWith('…'));
    assert.ok(c.version && c.version.length <= 100);
  });
});
