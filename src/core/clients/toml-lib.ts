// toml-patch on its own: bundled as dist/toml-lib.js and loaded only when a Codex config.toml is read or
// written, so the extension's main bundle stays small (the library is ~160 KB minified).
// @ts-expect-error TS1479 (CommonJS importing an ES module): esbuild converts it, tsx/Node 20.19+ require it; types in ./toml.
export { parse, patch } from '@decimalturn/toml-patch';
