// ESLint flat config: typescript-eslint's type-aware recommended rules for the TypeScript
// sources, tests and benchmarks; formatting is Prettier's (eslint-config-prettier turns off
// the rules that would disagree with it).
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist-check/', 'node_modules/', 'coverage/', 'bench/results/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // The code base uses `_name` for deliberately unused parameters.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Fire-and-forget calls are marked with `void`; a forgotten promise is a bug.
      '@typescript-eslint/no-floating-promises': 'error',
      // A `let` read by a callback before its one assignment (a socket's handler needs the endpoint made from it) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `async` marks methods that implement promise-returning interfaces even when they await nothing.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // vitest's asymmetric matchers (expect.any, expect.stringContaining...) are typed `any`.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The dashboard's plain browser scripts.
    files: ['dashboard/**/*.js'],
    languageOptions: { globals: globals.browser },
  },
  {
    // Plain Node.js scripts (scripts/build.mjs).
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  prettier,
);
