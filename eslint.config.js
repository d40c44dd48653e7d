// ESLint flat config: @eslint/js recommended + typescript-eslint recommended (not type-aware),
// plus the determinism rules of the isomorphic core (see docs/architecture.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pluginVue from 'eslint-plugin-vue';

/** The folders that must run identically in Node, in a worker thread and in a browser Web Worker. */
const ISOMORPHIC = [
  'simulator/engine/**/*.ts',
  'simulator/model/**/*.ts',
  'simulator/mesh/**/*.ts',
  'simulator/control/**/*.ts',
  'simulator/sim/**/*.ts',
  'simulator/telemetry/**/*.ts',
  'simulator/interop/**/*.ts',
];

const CLOCK_RNG =
  'the isomorphic core must be deterministic: take time from the injected Clock and randomness from the injected Rng (simulator/engine/types.ts)';

/** No Node built-ins in the isomorphic core. */
const NODE_PATTERNS = [
  {
    group: ['node:*'],
    message:
      'the isomorphic core (engine, model, mesh, sim, telemetry) runs in browsers and workers too: no node: imports. File I/O belongs in simulator/cli or simulator/live.',
  },
  {
    regex: '^(fs|path|os|child_process|worker_threads|crypto|http|https|net|url|util)(/.*)?$',
    message:
      'the isomorphic core must not import Node built-ins (use @noble/hashes for hashing, pass data in from the CLI).',
  },
];

/**
 * The import direction between folders (docs/architecture.md). Each entry: the folder, the
 * folders of ours it must not import, whether it is isomorphic (no Node built-ins either), and
 * whether the folders it may import are only allowed as `import type`.
 */
const SIMULATOR_FOLDERS = [
  'engine',
  'model',
  'mesh',
  'control',
  'sim',
  'telemetry',
  'live',
  'interop',
  'labs',
  'cli',
];
const DIRECTION = [
  { dir: 'engine', allowed: [], iso: true },
  { dir: 'model', allowed: ['engine'], typesOnly: ['engine'], iso: true },
  { dir: 'mesh', allowed: ['model', 'engine'], iso: true },
  { dir: 'control', allowed: ['model', 'engine', 'mesh'], iso: true },
  { dir: 'telemetry', allowed: ['model'], iso: true },
  { dir: 'sim', allowed: ['engine', 'model', 'mesh', 'control', 'telemetry'], iso: true },
  { dir: 'live', allowed: ['engine', 'model', 'mesh', 'control', 'sim', 'telemetry'], iso: false },
  { dir: 'interop', allowed: ['model'], iso: false },
];

function directionRules({ dir, allowed, typesOnly = [], iso }) {
  const forbidden = SIMULATOR_FOLDERS.filter((f) => f !== dir && !allowed.includes(f));
  const patterns = [...(iso ? NODE_PATTERNS : [])];
  if (forbidden.length)
    patterns.push({
      regex: `^\\.\\./(${forbidden.join('|')})(/|$)`,
      message: `simulator/${dir} may import only ${allowed.length ? allowed.join(', ') : 'nothing of ours'} (import direction, docs/architecture.md).`,
    });
  for (const t of typesOnly)
    patterns.push({
      regex: `^\\.\\./${t}(/|$)`,
      allowTypeImports: true,
      message: `simulator/${dir} may import only types from simulator/${t}.`,
    });
  return {
    files: [`simulator/${dir}/**/*.ts`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  };
}

/** Node globals for the few plain JavaScript files (bin/, this config). */
const NODE_GLOBALS = Object.fromEntries(
  [
    'process',
    'console',
    'URL',
    'Buffer',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'queueMicrotask',
    'structuredClone',
    'globalThis',
  ].map((name) => [name, 'readonly']),
);

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '**/coverage/**',
      'ui/dist/**',
      'ui/.vite/**',
      'out/**',
      '.bench-out/**',
      '.bench-baseline/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // The UI's single-file components: Vue's recommended rules, TypeScript inside <script setup>.
  ...pluginVue.configs['flat/recommended'],
  {
    files: ['ui/**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
    rules: {
      // TypeScript (vue-tsc) checks names; no-undef does not know the DOM's types
      'no-undef': 'off',
      // prettier formats the templates
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/multiline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      'vue/html-indent': 'off',
      'vue/html-closing-bracket-newline': 'off',
    },
  },
  {
    // Type-aware rules for the async code of the live data plane (and everywhere else).
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: NODE_GLOBALS },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ISOMORPHIC,
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: `Math.random: ${CLOCK_RNG}.` },
        { object: 'Date', property: 'now', message: `Date.now: ${CLOCK_RNG}.` },
        { object: 'performance', property: 'now', message: `performance.now: ${CLOCK_RNG}.` },
        { object: 'globalThis', property: 'performance', message: `performance: ${CLOCK_RNG}.` },
      ],
      'no-restricted-globals': ['error', { name: 'performance', message: `performance: ${CLOCK_RNG}.` }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: `new Date(): ${CLOCK_RNG}.`,
        },
      ],
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [...NODE_PATTERNS] }],
    },
  },
  ...DIRECTION.map(directionRules),
  {
    files: ['ui/**/*.{ts,vue}'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)simulator/(live|cli)(/|$)',
              message: 'the UI imports engine, model, mesh, sim and telemetry, never live or cli.',
            },
          ],
        },
      ],
    },
  },
  {
    // Mounts .vue components: checked by vue-tsc (ui/tsconfig.json), outside the root project.
    files: ['test/ui/components.test.ts'],
    ...tseslint.configs.disableTypeChecked,
  },
);
