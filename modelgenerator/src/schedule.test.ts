import assert from 'node:assert/strict';
import { SCHEDULE_PRESETS, architectureOf, describePlan, parseArchitecture, parseSchedule } from './schedule';

describe('training schedule', () => {
  it('parses plans of architecture, widths, samples and epochs', () => {
    assert.deepEqual(parseSchedule('mlp:32@2000x1, cnn:32-64@allx8'), [
      { architecture: 'mlp', widths: [32], trainSamples: 2000, epochs: 1 },
      { architecture: 'cnn', widths: [32, 64], trainSamples: null, epochs: 8 },
    ]);
  });

  it('expands presets, each of which parses', () => {
    for (const name of Object.keys(SCHEDULE_PRESETS)) assert.ok(parseSchedule(name).length >= 2, name);
    assert.equal(describePlan(parseSchedule('mlp')[2]!), 'mlp(256-128)');
  });

  it('trains a CNN by default only on native TensorFlow, where convolutions have gradients and speed', () => {
    assert.equal(parseSchedule('default', 'tensorflow').at(-1)?.architecture, 'cnn');
    assert.ok(parseSchedule('default', 'wasm').every((p) => p.architecture === 'mlp'));
    assert.ok(parseSchedule('default', 'cpu').every((p) => p.architecture === 'mlp'));
  });

  it('says which plan is malformed', () => {
    assert.throws(() => parseSchedule('mlp:32@2000x1,rnn:3@allx1'), /plan "rnn:3@allx1" is not/);
    assert.throws(() => parseSchedule('mlp:0@allx1'), /zero width/);
  });

  it('is empty for none: nothing trains on a schedule', () => {
    assert.deepEqual(parseSchedule('none'), []);
  });

  it('bounds widths, layers and epochs, so one plan cannot exhaust memory', () => {
    assert.throws(() => parseSchedule('mlp:5000@allx1'), /plan "mlp:5000@allx1": architecture "mlp:5000" has a width outside 1..4096/);
    assert.throws(() => parseSchedule('mlp:8-8-8-8-8-8-8-8-8@allx1'), /has 9 layers, more than 8/);
    assert.throws(() => parseSchedule('mlp:8@allx1001'), /plan "mlp:8@allx1001": epochs 1001 is not an integer 1..1000/);
  });

  it('reads and writes architectures as requests name them', () => {
    assert.deepEqual(parseArchitecture('cnn:32-64'), { architecture: 'cnn', widths: [32, 64] });
    assert.equal(architectureOf(parseArchitecture(' mlp:256-128 ')), 'mlp:256-128');
    assert.throws(() => parseArchitecture('rnn:3'), /architecture "rnn:3" is not mlp:widths or cnn:widths/);
    assert.throws(() => parseArchitecture('mlp:16@1000x1'), /is not mlp:widths/);
  });
});
