// Container logs: the Engine multiplexes stdout and stderr of non-TTY containers with an 8-byte
// frame header (stream type, 3 zero bytes, big-endian length). Pure.

export type LogStream = 'stdout' | 'stderr';

export interface LogLine {
  stream: LogStream;
  /** The engine's timestamp, when logs were asked with timestamps. */
  at?: string;
  text: string;
}

export interface ContainerLogs {
  lines: LogLine[];
  stdout: string[];
  stderr: string[];
  /** True when the container has a TTY: everything arrives as stdout, nothing can be separated. */
  tty: boolean;
}

/** Splits a multiplexed log buffer into frames. Tolerates a buffer that is not multiplexed (TTY): all stdout. */
export function demuxLogBuffer(buf: Buffer): { stream: LogStream; data: Buffer }[] {
  const out: { stream: LogStream; data: Buffer }[] = [];
  let off = 0;
  while (off < buf.length) {
    if (buf.length - off < 8) {
      out.push({ stream: 'stdout', data: buf.subarray(off) });
      break;
    }
    const type = buf[off]!;
    const zeros = buf[off + 1] === 0 && buf[off + 2] === 0 && buf[off + 3] === 0;
    if ((type !== 0 && type !== 1 && type !== 2) || !zeros) {
      // Not a frame header: the rest is raw (TTY) output.
      out.push({ stream: 'stdout', data: buf.subarray(off) });
      break;
    }
    const len = buf.readUInt32BE(off + 4);
    const data = buf.subarray(off + 8, Math.min(buf.length, off + 8 + len));
    out.push({ stream: type === 2 ? 'stderr' : 'stdout', data });
    off += 8 + len;
  }
  return out;
}

const TS = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)) (.*)$/s;

/** Turns a logs answer (multiplexed unless `tty`) into lines per stream, in the engine's order. */
export function parseLogs(buf: Buffer, opts: { tty: boolean; timestamps: boolean }): ContainerLogs {
  const frames = opts.tty ? [{ stream: 'stdout' as const, data: buf }] : demuxLogBuffer(buf);
  // Frames do not always end at line ends (nor at character ends): join bytes per stream until a newline.
  const pending: Record<LogStream, Buffer> = { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
  const lines: LogLine[] = [];
  const emit = (stream: LogStream, raw: string) => {
    let text = raw.replace(/\r$/, '');
    let at: string | undefined;
    if (opts.timestamps) {
      const m = TS.exec(text);
      if (m) {
        at = m[1];
        text = m[2]!;
      }
    }
    const line: LogLine = { stream, text };
    if (at) line.at = at;
    lines.push(line);
  };
  for (const f of frames) {
    let b = pending[f.stream].length ? Buffer.concat([pending[f.stream], f.data]) : f.data;
    let nl: number;
    while ((nl = b.indexOf(0x0a)) >= 0) {
      emit(f.stream, b.subarray(0, nl).toString('utf8'));
      b = b.subarray(nl + 1);
    }
    pending[f.stream] = Buffer.from(b);
  }
  for (const stream of ['stdout', 'stderr'] as const)
    if (pending[stream].length) emit(stream, pending[stream].toString('utf8'));
  return {
    lines,
    stdout: lines.filter((l) => l.stream === 'stdout').map((l) => l.text),
    stderr: lines.filter((l) => l.stream === 'stderr').map((l) => l.text),
    tty: opts.tty,
  };
}
