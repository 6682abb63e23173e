// Lint: the recommended rules of ESLint and typescript-eslint, over all TypeScript sources.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', '.data/', 'coverage/', 'dist/', 'bench/data/', 'web/**/*.min.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-empty': ['error', { allowEmptyCatch: true }],
    },
  },
  // CommonJS configuration files of tools (dependency-cruiser).
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } } },
  {
    // What runs in Lambda imports the adapter getters and AWS clients it uses, one module each, so each
    // function's bundle holds only those (bench/bundles.ts). The grouping modules are for tests and scripts.
    files: ['functions/**/*.ts', 'shared/**/*.ts'],
    ignores: ['shared/http/stores.ts', 'shared/clients.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)(http/)?stores\\.ts$',
              message: 'Import the getter you need from shared/http/stores/ (shared/http/stores.ts is for tests and scripts).',
            },
            { regex: '(^|/)clients\\.ts$', message: 'Import the one client you need from shared/clients/ (shared/clients.ts is for tests and scripts).' },
            // Classic zod is ~450 KiB in a bundle (its locales included): the EndStoppedJob worker imported it and weighed 2.2x its clients.
            { regex: '^zod(/v4)?$', message: "Import zod from shared/domain/zod.ts (zod/mini, what every schema is written with): classic zod is ~450 KiB of the function's bundle." },
          ],
        },
      ],
    },
  },
);
