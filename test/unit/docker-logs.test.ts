import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { demuxLogBuffer, parseLogs } from '../../src/core/docker/logs';

function frame(stream: 1 | 2, text: string): Buffer {
  const data = Buffer.from(text, 'utf8');
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(data.length, 4);
  return Buffer.concat([h, data]);
}

describe('container logs', () => {
  it('demultiplexes stdout and stderr frames', () => {
    const buf = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err 1\n'), frame(1, 'out 2\n')]);
    const logs = parseLogs(buf, { tty: false, timestamps: false });
    assert.deepEqual(logs.stdout, ['out 1', 'out 2']);
    assert.deepEqual(logs.stderr, ['err 1']);
    assert.deepEqual(
      logs.lines.map((l) => l.stream),
      ['stdout', 'stderr', 'stdout'],
    );
  });
  it('joins a line split across frames and parses timestamps', () => {
    const buf = Buffer.concat([
      frame(2, '2026-11-24T00:00:00.123456789Z boom'),
      frame(2, ' and more\n'),
      frame(1, '2026-11-24T00:00:01.000000000Z ok\n'),
    ]);
    const logs = parseLogs(buf, { tty: false, timestamps: true });
    assert.deepEqual(logs.stderr, ['boom and more']);
    assert.equal(logs.lines[0]!.at, '2026-11-24T00:00:00.123456789Z');
    assert.deepEqual(logs.stdout, ['ok']);
  });
  it('treats a TTY (raw) stream as stdout', () => {
    const logs = parseLogs(Buffer.from('a\nb\n'), { tty: true, timestamps: false });
    assert.deepEqual(logs.stdout, ['a', 'b']);
    assert.deepEqual(logs.stderr, []);
  });
  it('falls back to raw when the bytes are not frames', () => {
    assert.deepEqual(
      demuxLogBuffer(Buffer.from('hello world\n')).map((f) => f.stream),
      ['stdout'],
    );
  });
  it('keeps multi-byte characters split across frames intact', () => {
    const txt = Buffer.from('héllo\n', 'utf8');
    const a = txt.subarray(0, 2);
    const b = txt.subarray(2);
    const mk = (d: Buffer) => Buffer.concat([Buffer.from([1, 0, 0, 0, 0, 0, 0, d.length]), d]);
    const logs = parseLogs(Buffer.concat([mk(a), mk(b)]), { tty: false, timestamps: false });
    assert.deepEqual(logs.stdout, ['héllo']);
  });
});
