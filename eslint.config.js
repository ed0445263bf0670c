// Type-aware lint: the rules that catch the bugs a proxy cannot afford
// (unhandled promises, promise-returning handlers, non-exhaustive switches).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { LAYERS, STANDALONE } from './scripts/layer-order.mjs';

// Layering (docs/architecture.md): a top-level folder of src/ may import its own layer
// and the ones below, never a higher one; client/ imports nothing outside itself.
// The order lives in scripts/layer-order.mjs, which `npm run layers` reads too.
const FILE_ROOMS = new Set(['clock', 'errors', 'gatehouse']);
const filesOf = (room) => (FILE_ROOMS.has(room) ? [`src/${room}.ts`] : [`src/${room}/**/*.ts`]);
const patternOf = (room) => (FILE_ROOMS.has(room) ? `**/${room}.js` : `**/${room}/**`);
const layerRules = LAYERS.flatMap((rooms, i) => {
  // cli (the top layer) may import client/; nothing else may.
  const above = [...LAYERS.slice(i + 1).flat(), ...(i === LAYERS.length - 1 ? [] : STANDALONE)];
  if (above.length === 0) return [];
  return rooms.map((room) => ({
    files: filesOf(room),
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: above.map(patternOf),
              message: `src/${room} is below these folders in the layer order (scripts/layer-order.mjs); import downward only.`,
            },
          ],
        },
      ],
    },
  }));
});
const clientRule = {
  files: STANDALONE.map((room) => `src/${room}/**/*.ts`),
  rules: {
    'no-restricted-imports': [
      'error',
      {
        patterns: [
          {
            group: ['../*', '../**'],
            message: 'src/client stands alone: it imports nothing from src outside itself.',
          },
        ],
      },
    ],
  },
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  ...layerRules,
  clientRule,
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts', 'scripts/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-console': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
    },
  },
);
