// TOML through toml-patch, which edits without reformatting. The library sits in its own bundle
// (./toml-lib, see esbuild.mjs) and is loaded on first use. It ships as an ES module only: esbuild turns it
// into CommonJS for the bundle, and tsx/Node 20.19+ can require it in tests; only the type checker needs
// telling, so the types come in through an import-mode import.
import type * as TomlPatch from '@decimalturn/toml-patch' with { 'resolution-mode': 'import' };

type Lib = Pick<typeof TomlPatch, 'parse' | 'patch'>;
let lib: Lib | undefined;
function load(): Lib {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  lib ??= require('./toml-lib') as Lib;
  return lib;
}

/** Parses TOML into plain values. */
export const parseToml: typeof TomlPatch.parse = (text, options) => load().parse(text, options);
/** Rewrites `existing` to hold `value`, keeping its comments, whitespace and formatting. */
export const patchToml: typeof TomlPatch.patch = (existing, value, format) => load().patch(existing, value, format);
