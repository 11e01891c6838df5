// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The house's layers, enforced: storage is the ground floor (it imports drizzle, ids and
 * itself only), and the runtime-free core never reaches for an entry point.
 */
const entryPoints = ['**/node.ts', '**/worker.ts', '**/node-wiring.ts', '**/cli.ts'];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'dist-worker/', '.wrangler/', 'drizzle/', 'bench/out/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['public/**/*.js'], languageOptions: { globals: globals.browser } },
  { files: ['**/*.mjs', 'bin/**'], languageOptions: { globals: globals.node } },
  {
    rules: {
      // Formharbor's regexes name control characters on purpose: to refuse them in names, headers and paths.
      'no-control-regex': 'off',
      // An empty catch in the embed means "this browser lacks it; carry on without".
      'no-empty': ['error', { allowEmptyCatch: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true },
      ],
    },
  },
  {
    files: ['src/db/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!ids\\.ts$)',
              message: 'src/db is the ground floor: it imports drizzle, src/ids.ts and itself only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/forms/**/*.ts', 'src/mail/**/*.ts', 'src/admin/**/*.ts', 'src/http/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: entryPoints.map((p) => p.replace('**/', '../')),
              message: 'The core never imports an entry point; entries wire the core.',
            },
          ],
        },
      ],
    },
  },
);
