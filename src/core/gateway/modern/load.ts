// Loads the modern front on first use. It carries the v2 server package, which would not fit in the
// extension bundle's budget: esbuild builds it as dist/modern-front.js (see esbuild.mjs), and the
// extension reaches it only when a gateway endpoint sees its first POST.
import type * as Front from './front';

let front: typeof Front | undefined;

export function loadModernFront(): typeof Front {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  front ??= require('./front') as typeof Front;
  return front;
}
