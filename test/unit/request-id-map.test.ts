// Unit tests for RequestIdMap (src/core/gateway/request-id-map.ts): the in-flight requests of a session by
// JSON-RPC id, where 1 and "1" are different requests.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RequestIdMap } from '../../src/core/gateway/request-id-map';

describe('RequestIdMap', () => {
  it('keeps a number id and its string spelling apart', () => {
    const m = new RequestIdMap<string>();
    m.set(1, 'number').set('1', 'string').set('n1', 'prefixed');
    assert.equal(m.size, 3);
    assert.equal(m.get(1), 'number');
    assert.equal(m.get('1'), 'string');
    assert.equal(m.get('n1'), 'prefixed');
    assert.deepEqual(new Set(m.keys()), new Set<string | number>([1, '1', 'n1']));
  });

  it('set, get, has, delete and size as a Map has them; ids that look like object keys are plain ids', () => {
    const m = new RequestIdMap<number>();
    for (const id of ['__proto__', 'constructor', 'toString', '', -3, 0, 2.5]) {
      assert.equal(m.has(id), false, `${String(id)} is not there before`);
      assert.equal(m.get(id), undefined);
      m.set(id, 1);
      assert.equal(m.has(id), true);
    }
    assert.equal(m.size, 7);
    m.set('', 2);
    assert.equal(m.size, 7, 'setting an id again does not count it twice');
    assert.equal(m.get(''), 2);
    assert.equal(m.delete('toString'), true);
    assert.equal(m.delete('toString'), false, 'gone already');
    assert.equal(m.size, 6);
    assert.deepEqual(new Set(m.keys()), new Set<string | number>(['__proto__', 'constructor', '', -3, 0, 2.5]));
  });

  it('keys() is a list taken now: deleting while going through it misses none', () => {
    const m = new RequestIdMap<boolean>();
    for (let i = 0; i < 50; i++) m.set(i, true);
    const seen: (string | number)[] = [];
    for (const id of m.keys()) {
      seen.push(id);
      m.delete(id);
    }
    assert.equal(seen.length, 50);
    assert.equal(m.size, 0);
  });
});
