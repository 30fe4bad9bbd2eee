import assert from 'node:assert/strict';
import { trainOptionsFromJson, trainOptionsFromQuery, type TrainingContext } from './train-request';

const fashion: TrainingContext = { dataset: 'fashion-mnist', featureShape: [28, 28], backend: 'tensorflow' };

describe('training request options', () => {
  it('reads a JSON request into a plan, publishing unless told not to', () => {
    assert.deepEqual(trainOptionsFromJson({ architecture: 'mlp:256-128', epochs: 2, samples: 4000, dataset: 'fashion-mnist' }, fashion), {
      plan: { architecture: 'mlp', widths: [256, 128], trainSamples: 4000, epochs: 2 },
      publish: true,
    });
    assert.deepEqual(trainOptionsFromJson({ architecture: 'cnn:32-64', epochs: 1, publish: false }, fashion), {
      plan: { architecture: 'cnn', widths: [32, 64], trainSamples: null, epochs: 1 },
      publish: false,
    });
    assert.equal(trainOptionsFromJson({ architecture: 'mlp:8', epochs: 1, samples: 'all' }, fashion).plan.trainSamples, null);
  });

  it('says what is wrong with a JSON request', () => {
    const refused = (body: unknown, message: RegExp) => assert.throws(() => trainOptionsFromJson(body, fashion), message);
    refused([1], /the body is an array, expected an object/);
    refused('mlp', /the body is the string "mlp", expected an object/);
    refused({ epochs: 1 }, /architecture is required/);
    refused({ architecture: 128, epochs: 1 }, /architecture is the number 128, expected a string/);
    refused({ architecture: 'rnn:8', epochs: 1 }, /architecture "rnn:8" is not mlp:widths or cnn:widths/);
    refused({ architecture: 'mlp:8' }, /epochs is required/);
    for (const epochs of [0, -1, 1.5, '2', 1001]) {
      assert.throws(() => trainOptionsFromJson({ architecture: 'mlp:8', epochs }, fashion), {
        message: `epochs ${JSON.stringify(epochs)} is not an integer 1..1000`,
      });
    }
    refused({ architecture: 'mlp:8', epochs: 1, samples: 0 }, /samples 0 is not a positive integer/);
    refused(
      { architecture: 'mlp:8', epochs: 1, dataset: 'mnist' },
      /dataset "mnist" is not the one this modelgenerator trains for: "fashion-mnist"/,
    );
    refused({ architecture: 'mlp:8', epochs: 1, publish: 'yes' }, /publish is the string "yes", expected true or false/);
    refused({ architecture: 'mlp:8', epoch: 1 }, /unknown field "epoch": expected architecture, epochs, samples, dataset, publish/);
  });

  it('refuses a cnn where it cannot train: flat samples, or the wasm backend', () => {
    assert.throws(
      () => trainOptionsFromJson({ architecture: 'cnn:8', epochs: 1 }, { dataset: 'synthetic', featureShape: [8], backend: 'tensorflow' }),
      /a cnn needs 2-D samples; synthetic samples have shape \[8\]/,
    );
    assert.throws(
      () => trainOptionsFromJson({ architecture: 'cnn:8', epochs: 1 }, { ...fashion, backend: 'wasm' }),
      /cannot train on the wasm backend/,
    );
  });

  it('reads the options of a CSV request from its query', () => {
    assert.deepEqual(trainOptionsFromQuery(new URLSearchParams('architecture=mlp:64&epochs=3'), fashion), {
      plan: { architecture: 'mlp', widths: [64], trainSamples: null, epochs: 3 },
      publish: true,
    });
    assert.deepEqual(trainOptionsFromQuery(new URLSearchParams('architecture=mlp:64&epochs=1&samples=50&publish=false'), fashion), {
      plan: { architecture: 'mlp', widths: [64], trainSamples: 50, epochs: 1 },
      publish: false,
    });
    const refused = (query: string, message: RegExp) =>
      assert.throws(() => trainOptionsFromQuery(new URLSearchParams(query), fashion), message);
    refused('epochs=1', /query parameter architecture is required/);
    refused('architecture=mlp:8', /query parameter epochs is required/);
    refused('architecture=mlp:8&epochs=two', /epochs "two" is not an integer 1..1000/);
    refused('architecture=mlp:8&epochs=1&epochs=2', /query parameter epochs is given more than once/);
    refused('architecture=mlp:8&epochs=1&samples=-3', /samples "-3" is not a positive integer/);
    refused('architecture=mlp:8&epochs=1&publish=maybe', /publish "maybe" is not true or false/);
    refused('architecture=mlp:8&epochs=1&lr=0.1', /unknown query parameter "lr"/);
  });
});
