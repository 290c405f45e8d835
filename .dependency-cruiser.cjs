// The architecture as a lint (npm run lint): src/ has no import cycles, type-only imports included,
// so the layers read top-down: vocabulary → protocol/classification → connection → monitor → docker →
// healing policy → gateway and stdio supervision → clients → front ends.
// Each folder of src/core/ with an index.ts is imported through it from outside the folder, so a folder's
// inside can change without its users noticing.
const fs = require('node:fs');
const path = require('node:path');

const core = path.join(__dirname, 'src', 'core');
const FOLDERS = fs
  .readdirSync(core, { withFileTypes: true })
  .filter((e) => e.isDirectory() && fs.existsSync(path.join(core, e.name, 'index.ts')))
  .map((e) => e.name);

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...FOLDERS.map((folder) => ({
      name: 'through-index',
      severity: 'error',
      comment: `Import src/core/${folder}/ through its index.ts from outside the folder. The one exception, down.ts → docker/snapshot.ts: the monitor sits below Docker, and the docker index would bring the Docker link into its graph.`,
      from: { path: '^src/', pathNot: [`^src/core/${folder}/`, '^src/core/down\\.ts$'] },
      to: { path: `^src/core/${folder}/`, pathNot: [`^src/core/${folder}/index\\.ts$`] },
    })),
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'An import cycle, type-only imports included: move the shared type down a layer (see src/core/server-state.ts).',
      from: { path: '^src/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are edges too: a type cycle is still a tangle for the reader.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
