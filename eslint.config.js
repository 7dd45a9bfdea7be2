// Lint is part of `npm test`: type-aware rules catch floating promises on the request path, and the import rules
// keep the layers pointing one way (see README, "How it is built") with no import cycles.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

/** Each folder and the folders it must not import: schemas ← lib, clickhouse ← core ← gateway | consumers | cli. */
const LAYERS = {
  schemas: ['lib', 'clickhouse', 'core', 'gateway', 'consumers', 'cli', 'stack', 'bench', 'test'],
  lib: ['clickhouse', 'core', 'gateway', 'consumers', 'cli', 'stack', 'bench', 'test'],
  clickhouse: ['core', 'gateway', 'consumers', 'cli', 'stack', 'bench', 'test'],
  core: ['gateway', 'consumers', 'cli', 'stack', 'bench', 'test'],
  gateway: ['consumers', 'cli', 'stack', 'bench', 'test'],
  consumers: ['gateway', 'cli', 'stack', 'bench', 'test'],
  cli: ['gateway', 'consumers', 'stack', 'bench', 'test'],
  stack: ['core', 'gateway', 'consumers', 'cli', 'bench', 'test'],
};

const zones = Object.entries(LAYERS).map(([target, from]) => ({
  target: `./${target}`,
  from: from.map((f) => `./${f}`),
  message: `${target}/ must not import ${from.join(', ')}: the layers point one way (README, "How it is built").`,
}));

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', '.data/**', 'dist/**', 'dist-ui/**', '.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js'] })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', name: ['describe', 'it', 'test', 'suite', 'before', 'after'], package: 'node:test' }] },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
);
