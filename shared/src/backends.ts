/** TensorFlow.js backends in the order we prefer them: native, then WebAssembly, then pure JS. */
export const BACKENDS = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export type BackendPreference = BackendName | 'auto';
