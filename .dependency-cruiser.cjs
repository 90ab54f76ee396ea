/**
 * The layers of src/, bottom first: a folder may import only folders below it (and itself). README.md, "Architecture",
 * shows the same list. `hub/` is the one composition root; `library/` and `cli/` are the two ways in.
 * Checked by `npm run lint` (scripts/check-layers.sh); test/layers.test.ts proves a forbidden import fails it.
 */
const layers = [
  'core',
  'http',
  'providers',
  'storage',
  'vault',
  'config',
  'logs',
  'oauth',
  'connections',
  'api-keys',
  'cache',
  'proxy',
  'webhooks',
  'events',
  'clients',
  'server',
  'sandbox',
  'hub',
  'library',
  'cli',
]

const folder = (name) => `^src/${name}/`

module.exports = {
  forbidden: [
    ...layers.map((name, index) => ({
      name: `${name}-imports-down-only`,
      comment: `src/${name}/ may import only the layers below it: ${layers.slice(0, index).join(', ') || 'none'}`,
      severity: 'error',
      from: { path: folder(name) },
      to: { path: `^src/(${layers.slice(index + 1).join('|')})/` },
    })),
    {
      name: 'known-folders-only',
      comment: 'every folder of src/ has a place in the layers (add a new one to the list)',
      severity: 'error',
      from: { path: '^src/[^/]+/', pathNot: `^src/(${layers.join('|')})/` },
      to: {},
    },
    {
      name: 'src-never-imports-tests',
      comment: 'src/ never imports test/, bench/ or scripts/',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|scripts)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.tsx?$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
}
