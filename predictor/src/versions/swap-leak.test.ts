import assert from 'node:assert/strict';
import { selectBackend, tf, untrainedModelRecord, type ModelRecord } from '@hotswap/shared';

import { loadServable, predictBatch, type ServableModel } from '../inference/loader';
import { ModelRegistry } from './registry';

const contract = { featureShape: [28, 28], classCount: 10 };

const version = (v: number): Promise<ModelRecord> => untrainedModelRecord('leak', v);

describe('hot swap memory', function () {
  this.timeout(120_000);

  it('holds exactly one model of tensors after 100 swaps under load', async () => {
    await selectBackend('cpu');
    const records = await Promise.all(Array.from({ length: 101 }, (_, i) => version(i + 1)));
    const baseline = tf.memory().numTensors;
    const registry = new ModelRegistry<ServableModel>((v) => v.model.layers.dispose());
    const features = new Float32Array(32 * 784).fill(0.5);
    const load = (r: ModelRecord) => loadServable(r, contract, { maxModelBytes: 1e8 }, new Map());
    registry.stage(await load(records[0]!));
    let perModel = -1;
    for (let i = 1; i <= 100; i++) {
      // Load the next version while batches run on the current one, as the predictor does.
      const next = load(records[i]!);
      for (let b = 0; b < 3; b++) {
        const lease = registry.acquire();
        const out = predictBatch(lease.version.model, features, 32);
        assert.equal(out.predicted.length, 32);
        registry.release(lease);
      }
      registry.stage(await next);
      registry.release(registry.acquire());
      const held = tf.memory().numTensors - baseline;
      if (perModel === -1) perModel = held;
      assert.equal(held, perModel, `after swap ${i}: ${held} tensors held, one model holds ${perModel}`);
    }
    assert.equal(registry.servingVersion?.version, 101);
    assert.ok(perModel > 0 && perModel <= 4, `one MLP holds ${perModel} tensors`);
    registry.clear();
    assert.equal(tf.memory().numTensors, baseline, 'every tensor is released once the registry is cleared');
  });
});
