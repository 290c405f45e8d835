// toml-patch ships as an ES module only. esbuild bundles it into our CommonJS output, and tsx/Node 20.19+
// can require it; only the type checker needs telling, so the types come in through an import-mode import.
import type * as TomlPatch from '@decimalturn/toml-patch' with { 'resolution-mode': 'import' };
// @ts-ignore TS1479 (CommonJS importing an ES module): handled by the bundler, see above.
import * as toml from '@decimalturn/toml-patch';

const lib = toml as typeof TomlPatch;
/** Parses TOML into plain values. */
export const parseToml: typeof TomlPatch.parse = (text, options) => lib.parse(text, options);
/** Rewrites `existing` to hold `value`, keeping its comments, whitespace and formatting. */
export const patchToml: typeof TomlPatch.patch = (existing, value, format) => lib.patch(existing, value, format);
