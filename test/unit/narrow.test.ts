// Unit tests for src/core/narrow.ts: the guards that replace casts on caught errors, parsed JSON and settings.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { causeOf, errnoCode, errorMessage, fieldOf, isOneOf, isRecord, isStringRecord } from '../../src/core/narrow';

describe('isRecord / fieldOf', () => {
  it('objects are records; null, arrays and primitives are not', () => {
    const table: [unknown, boolean][] = [
      [{}, true],
      [{ a: 1 }, true],
      [new Error('x'), true],
      [null, false],
      [undefined, false],
      [[], false],
      ['s', false],
      [3, false],
    ];
    for (const [v, want] of table) assert.equal(isRecord(v), want, JSON.stringify(v));
  });
  it('fieldOf reads own and inherited fields of records, and nothing of anything else', () => {
    assert.equal(fieldOf({ a: 1 }, 'a'), 1);
    assert.equal(fieldOf(new TypeError('boom'), 'name'), 'TypeError');
    for (const v of [null, undefined, 'code', 7, ['x']]) assert.equal(fieldOf(v, 'code'), undefined);
  });
});

describe('isStringRecord / isOneOf', () => {
  it('a record of strings only', () => {
    assert.equal(isStringRecord({ a: 'x', b: 'y' }), true);
    assert.equal(isStringRecord({}), true);
    assert.equal(isStringRecord({ a: 'x', b: 2 }), false);
    assert.equal(isStringRecord(['x']), false);
    assert.equal(isStringRecord(null), false);
  });
  it('one of a closed list, compared strictly', () => {
    const kinds = ['auto', 'sse'] as const;
    assert.equal(isOneOf(kinds, 'sse'), true);
    assert.equal(isOneOf(kinds, 'SSE'), false);
    assert.equal(isOneOf(kinds, undefined), false);
    assert.equal(isOneOf([1, 2], '1'), false);
  });
});

describe('errors', () => {
  it("errnoCode is an error's own string code; causeOf its cause", () => {
    const inner = Object.assign(new Error('connect'), { code: 'ECONNREFUSED' });
    const outer = new TypeError('fetch failed', { cause: inner });
    assert.equal(errnoCode(outer), undefined);
    assert.equal(errnoCode(causeOf(outer)), 'ECONNREFUSED');
    assert.equal(errnoCode(Object.assign(new Error('x'), { code: 404 })), undefined);
    assert.equal(errnoCode('ENOENT'), undefined);
    assert.equal(causeOf(null), undefined);
  });
  it('errorMessage: the message of an Error, else the value as text', () => {
    assert.equal(errorMessage(new Error('boom')), 'boom');
    assert.equal(errorMessage('plain'), 'plain');
    assert.equal(errorMessage(undefined), 'undefined');
  });
});
