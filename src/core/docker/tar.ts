// A tiny ustar writer for Docker build contexts and `docker import` archives (no dependency needed
// for a handful of files). Files on disk are streamed, not loaded. No VS Code imports.
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';

/** Numeric owner of an entry (default root): a file put into a container for its unprivileged user. */
interface Owner {
  uid?: number;
  gid?: number;
}

export type TarEntry =
  | ({ name: string; type: 'dir'; mode?: number } & Owner)
  | ({ name: string; type: 'file'; mode?: number; data: Buffer } & Owner)
  | ({ name: string; type: 'file'; mode?: number; path: string; size: number } & Owner);

function tarHeader(name: string, size: number, mode: number, type: '0' | '5', owner: Owner = {}): Buffer {
  const h = Buffer.alloc(512, 0);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, 'utf8');
  h.write(mode.toString(8).padStart(7, '0') + '\0', 100, 8, 'ascii');
  h.write((owner.uid ?? 0).toString(8).padStart(7, '0') + '\0', 108, 8, 'ascii');
  h.write((owner.gid ?? 0).toString(8).padStart(7, '0') + '\0', 116, 8, 'ascii');
  h.write(size.toString(8).padStart(11, '0') + '\0', 124, 12, 'ascii');
  h.write(
    Math.floor(Date.now() / 1000)
      .toString(8)
      .padStart(11, '0') + '\0',
    136,
    12,
    'ascii',
  );
  h.write('        ', 148, 8, 'ascii'); // checksum placeholder
  h.write(type, 156, 1, 'ascii');
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'ascii');
  return h;
}

/** A tar archive as a stream; file contents from disk are streamed, not loaded. */
export function tarStream(entries: TarEntry[]): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    for (const e of entries) {
      if (e.type === 'dir') {
        yield tarHeader(e.name.replace(/\/?$/, '/'), 0, e.mode ?? 0o755, '5', e);
        continue;
      }
      const size = 'data' in e ? e.data.length : e.size;
      yield tarHeader(e.name, size, e.mode ?? 0o644, '0', e);
      if ('data' in e) yield e.data;
      else {
        let n = 0;
        for await (const chunk of createReadStream(e.path)) {
          // Without an encoding a file stream yields Buffers; its iterator is typed `any` all the same.
          if (!Buffer.isBuffer(chunk)) throw new Error(`${e.path} did not read as bytes`);
          n += chunk.length;
          yield chunk;
        }
        if (n !== size) throw new Error(`${e.path} changed size while archiving`);
      }
      const pad = (512 - (size % 512)) % 512;
      if (pad) yield Buffer.alloc(pad, 0);
    }
    yield Buffer.alloc(1024, 0);
  }
  return Readable.from(gen(), { objectMode: false });
}
