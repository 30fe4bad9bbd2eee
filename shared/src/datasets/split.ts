/**
 * A small, fast, seedable PRNG (mulberry32): every service that is given the same seed draws the
 * same numbers, which is what makes the train/held-out split agree across processes.
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Split {
  /** Sample indices for training, in shuffled order. */
  train: Uint32Array;
  /** Held-out sample indices, in shuffled order: never used for training. */
  test: Uint32Array;
}

export const DEFAULT_TEST_SIZE = 10_000;

/** Shuffles 0..size-1 with the seed and takes the first testSize as the held-out split. */
export function heldOutSplit(size: number, seed: number, testSize = DEFAULT_TEST_SIZE): Split {
  if (!Number.isInteger(size) || size <= 0) throw new RangeError(`dataset size ${size} is not a positive integer`);
  if (!Number.isInteger(testSize) || testSize <= 0 || testSize >= size) {
    throw new RangeError(`held-out size ${testSize} must be between 1 and ${size - 1}`);
  }
  const order = new Uint32Array(size);
  for (let i = 0; i < size; i++) order[i] = i;
  const random = seededRandom(seed);
  for (let i = size - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return { test: order.slice(0, testSize), train: order.slice(testSize) };
}
