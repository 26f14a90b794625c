// ESLint flat config: JavaScript's and typescript-eslint's recommended rules, type-aware, so
// promises nobody awaits and values of unknown shape are caught before they reach production.
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Every file name under src/ that more than one file carries (a search for it would be ambiguous). */
function sharedNames(dir = 'src', seen = new Map()) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sharedNames(path, seen);
    else if (entry.name.endsWith('.ts')) seen.set(entry.name, (seen.get(entry.name) ?? 0) + 1);
  }
  return new Set([...seen].filter(([, count]) => count > 1).map(([name]) => name));
}

/** The house's own rule: a file's name says what it holds, once (README → Layout). */
const house = {
  rules: {
    'unique-file-names': {
      meta: { type: 'suggestion', messages: { shared: 'Another file under src/ is also named {{name}}: name each for what it holds.' } },
      create(context) {
        const shared = sharedNames();
        return {
          Program(node) {
            const name = basename(context.filename);
            if (shared.has(name)) context.report({ node, messageId: 'shared', data: { name } });
          },
        };
      },
    },
  },
};

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // Express handlers and timers may be handed promises; a forgotten await elsewhere may not.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // Small files named for what they hold, small functions (README → Layout).
    files: ['src/**/*.ts'],
    plugins: { house },
    rules: {
      'max-lines': ['error', { max: 300, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: false, skipComments: false, IIFEs: true }],
      'house/unique-file-names': 'error',
    },
  },
  {
    // Tests poke at loose JSON answers and fixtures on purpose.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Test handlers are async by contract even when they have nothing to await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  { files: ['*.js', '*.cjs'], extends: [tseslint.configs.disableTypeChecked] },
  { files: ['*.cjs'], languageOptions: { sourceType: 'commonjs' } },
);
