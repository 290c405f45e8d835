// The architecture as a lint (npm run lint): src/ has no import cycles, type-only imports included,
// so the layers read top-down: vocabulary → protocol/classification → connection → monitor → docker →
// healing policy → gateway and stdio supervision → clients → front ends.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
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
