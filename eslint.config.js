import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// A workspace is used only through its public entry (package.json "exports").
const publicEntriesOnly = {
  group: ['@proctoflex/*/src/*', '../../core/*', '../../../core/*'],
  message: 'Import a workspace through its public entry (package.json "exports").',
};

/**
 * Lets files under `files` import no workspace but `allowed` (each with its subpaths); with
 * `types`, any workspace's types too (erased: nothing of it reaches a bundle).
 */
const onlyImports = (files, allowed, ignores = [], types = false) => ({
  files,
  ignores,
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          publicEntriesOnly,
          {
            // Any workspace but the allowed ones (each also with a subpath after it).
            regex: `^@proctoflex/(?!(?:${allowed.map((name) => name.replace('@proctoflex/', '')).join('|')})(?:/|$))`,
            allowTypeImports: types,
            message: `Here only ${allowed.join(', ') || 'no workspace'} may be imported: the packages' boundaries (docs/architecture.md).`,
          },
        ],
      },
    ],
  },
});

const tests = ['**/*.test.ts', '**/testing.ts', '**/testing/**', '**/bench/**'];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/',
      '.services/',
      'infra/kafka/lib/',
      'infra/registry/dist/',
      'dashboard/dist/',
      'desktop/dist/',
      'desktop/release/',
      // models/convert/convert.sh's Python venv (TensorFlow ships JavaScript of its own).
      'models/convert/.venv/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test() returns a promise the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', name: ['test', 'describe'], package: 'node:test' }] },
      ],
      'no-restricted-imports': ['error', { patterns: [publicEntriesOnly] }],
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read configuration through loadConfig in a config.ts file.' },
      ],
    },
  },
  {
    files: ['**/config.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  // The data flows one way: core knows no stage, a stage knows only core (and its models), the
  // services reach each other only through core's contracts. Tests and benchmarks assemble more.
  onlyImports(['core/**'], []),
  onlyImports(['processors/inference/**'], ['@proctoflex/core']),
  onlyImports(['processors/*/**', 'sinks/*/**'], ['@proctoflex/core', '@proctoflex/inference'], tests),
  onlyImports(['ingest/src/**'], ['@proctoflex/core'], tests),
  onlyImports(['ingest/sim/**'], ['@proctoflex/core', '@proctoflex/ingest-client', '@proctoflex/inference'], tests),
  // The API checks a candidate's identity before an exam with the face models.
  onlyImports(['api/src/**'], ['@proctoflex/core', '@proctoflex/inference'], tests),
  // Bundles for a browser or the desktop: core's client entry only, and the protocol client.
  onlyImports(['ingest/client/**', 'dashboard/src/**'], ['@proctoflex/core/client'], tests),
  onlyImports(
    ['desktop/src/**', 'desktop/renderer/**'],
    ['@proctoflex/core/client', '@proctoflex/ingest-client'],
    tests,
    true,
  ),
);
