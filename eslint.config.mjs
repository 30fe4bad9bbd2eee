// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

const onlyKafkaEdgeImportsKafkajs = { name: 'kafkajs', message: 'kafkajs is imported only under shared/src/kafka/ (the Kafka edge)' };
const onlyPubSubEdgeImportsPubSub = {
  name: '@google-cloud/pubsub',
  message: '@google-cloud/pubsub is imported only under shared/src/pubsub/ (the Pub/Sub edge)',
};

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.venv/**', '.kafka/**', '.pubsub/**', '.cache/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-require-imports': 'off',
      'no-restricted-imports': [
        'error',
        {
          paths: [onlyKafkaEdgeImportsKafkajs, onlyPubSubEdgeImportsPubSub],
          patterns: [
            {
              group: ['@hotswap/datagenerator*', '@hotswap/modelgenerator*', '@hotswap/predictor*', '@hotswap/dashboard*'],
              message: 'services never import each other',
            },
          ],
        },
      ],
    },
  },
  { files: ['shared/src/kafka/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [onlyPubSubEdgeImportsPubSub] }] } },
  { files: ['shared/src/pubsub/*.ts'], rules: { 'no-restricted-imports': ['error', { paths: [onlyKafkaEdgeImportsKafkajs] }] } },
  // A test may drive one service's module against the real broker (services still never import each other).
  {
    files: ['test/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [onlyKafkaEdgeImportsKafkajs, onlyPubSubEdgeImportsPubSub] }] },
  },
  // The bench measures the services and reuses their parts (sample source, model builder); it is not a service.
  {
    files: ['bench/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [onlyKafkaEdgeImportsKafkajs, onlyPubSubEdgeImportsPubSub] }] },
  },
  {
    files: ['scripts/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        module: 'writable',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
      },
    },
  },
  prettier,
);
