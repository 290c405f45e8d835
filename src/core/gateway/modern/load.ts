// Loads the modern front on first use. It carries the v2 server package, which would not fit in the
// extension bundle's budget: esbuild builds it as dist/modern-front.js (see esbuild.mjs), and the
// extension reaches it only when a gateway endpoint sees its first POST.
import type * as Front from './front';
import { fieldOf } from '../../narrow';

let front: typeof Front | undefined;

/** What require() gave is the front's module (the one export the endpoint calls), not a damaged file's leftovers. */
function isFrontModule(m: unknown): m is typeof Front {
  return typeof fieldOf(m, 'createModernFront') === 'function';
}

export function loadModernFront(): typeof Front {
  if (front) return front;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded: unknown = require('./front');
  if (!isFrontModule(loaded))
    throw new Error('dist/modern-front.js does not export createModernFront: the installation is damaged');
  front = loaded;
  return front;
}
