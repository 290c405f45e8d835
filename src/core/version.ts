// The product's version, one source for the extension, the CLI and the client info we send: the
// .vsix and the npm package are built from the same package.json (esbuild inlines only this field).
import { version } from '../../package.json';

export const PRODUCT_VERSION: string = version;
