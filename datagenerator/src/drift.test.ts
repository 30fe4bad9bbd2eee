import assert from 'node:assert/strict';
import { ConfigError, FASHION_MNIST_CLASSES, SYNTHETIC_CLASSES, readConfig } from '@hotswap/shared';
import { SUMMARY, datageneratorSpec, labelSwapFor } from './config';
import { LabelSwap, labelSwapOf } from './drift';

const FASHION_EXPECTED =
  'expected two different classes of fashion-mnist (0-9 or a class name: T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot)';

function swapOf(swapLabels: string, fromSample = 0, fromSampleGiven = false): LabelSwap | undefined {
  return labelSwapOf({ swapLabels, fromSample, fromSampleGiven }, 'fashion-mnist', FASHION_MNIST_CLASSES);
}

function refusal(swapLabels: string): string {
  try {
    swapOf(swapLabels);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    return e.message;
  }
  assert.fail(`DRIFT_SWAP_LABELS=${swapLabels} was accepted`);
}

describe('label swap: the mapping by sample position', () => {
  const swap = new LabelSwap(3, 5, 2000, FASHION_MNIST_CLASSES);

  it('swaps 3 and 5 from sample 2000 on and leaves sample 1999 alone', () => {
    assert.equal(swap.labelAt(3, 1999), 3);
    assert.equal(swap.labelAt(5, 1999), 5);
    assert.equal(swap.labelAt(3, 2000), 5);
    assert.equal(swap.labelAt(5, 2000), 3);
    assert.equal(swap.labelAt(3, 1_000_000), 5);
  });

  it('leaves every other class alone after the drift point', () => {
    for (const label of [0, 1, 2, 4, 6, 7, 8, 9]) assert.equal(swap.labelAt(label, 2500), label);
  });

  it('keeps an unlabelled sample unlabelled before and after the drift point', () => {
    assert.equal(swap.labelAt(null, 1999), null);
    assert.equal(swap.labelAt(null, 2000), null);
  });

  it('swaps from the very first sample when DRIFT_FROM_SAMPLE is 0', () => {
    assert.equal(new LabelSwap(3, 5, 0, FASHION_MNIST_CLASSES).labelAt(5, 0), 3);
  });

  it('says at start which classes swap from which sample, and names them once the drift begins', () => {
    assert.equal(swap.startLine, 'drift: labels 3 (Dress) and 5 (Sandal) swap from sample 2000 on');
    assert.equal(swap.firstDriftLine, 'drift: sample 2000 on carries swapped labels 3 (Dress) <-> 5 (Sandal)');
  });

  it('warns only when COUNT ends the stream before the drift starts', () => {
    assert.equal(swap.unreachedWarning(0), undefined);
    assert.equal(swap.unreachedWarning(2001), undefined);
    assert.match(swap.unreachedWarning(2000) ?? '', /DRIFT_FROM_SAMPLE=2000 is not below COUNT=2000/);
  });
});

describe('label swap: DRIFT_SWAP_LABELS against the dataset classes', () => {
  it('is off when DRIFT_SWAP_LABELS is empty and DRIFT_FROM_SAMPLE not given', () => {
    assert.equal(swapOf(''), undefined);
  });

  it('reads two class indices in the order given', () => {
    const swap = swapOf('5,3', 2000);
    assert.deepEqual([swap?.a, swap?.b, swap?.fromSample], [5, 3, 2000]);
  });

  it('reads class names in any case, with spaces around the comma', () => {
    assert.deepEqual([swapOf('Dress,Sandal')?.a, swapOf('Dress,Sandal')?.b], [3, 5]);
    assert.deepEqual([swapOf(' dress , SANDAL ')?.a, swapOf(' dress , SANDAL ')?.b], [3, 5]);
    assert.deepEqual([swapOf('ankle boot,t-shirt/top')?.a, swapOf('ankle boot,t-shirt/top')?.b], [9, 0]);
    assert.deepEqual([swapOf('Bag,7')?.a, swapOf('Bag,7')?.b], [8, 7]);
  });

  it('refuses the same class twice, by index or by index and name', () => {
    assert.equal(refusal('3,3'), `invalid DRIFT_SWAP_LABELS="3,3": ${FASHION_EXPECTED}`);
    assert.equal(refusal('3,dress'), `invalid DRIFT_SWAP_LABELS="3,dress": ${FASHION_EXPECTED}`);
  });

  it('refuses anything but two items', () => {
    assert.equal(refusal('3'), `invalid DRIFT_SWAP_LABELS="3": ${FASHION_EXPECTED}`);
    assert.equal(refusal('3,5,7'), `invalid DRIFT_SWAP_LABELS="3,5,7": ${FASHION_EXPECTED}`);
    assert.equal(refusal('3,'), `invalid DRIFT_SWAP_LABELS="3,": ${FASHION_EXPECTED}`);
  });

  it('refuses an unknown class name', () => {
    assert.equal(refusal('Dress,Sandals'), `invalid DRIFT_SWAP_LABELS="Dress,Sandals": ${FASHION_EXPECTED}`);
  });

  it('refuses an index out of the class range', () => {
    assert.equal(refusal('3,10'), `invalid DRIFT_SWAP_LABELS="3,10": ${FASHION_EXPECTED}`);
    assert.equal(refusal('-1,3'), `invalid DRIFT_SWAP_LABELS="-1,3": ${FASHION_EXPECTED}`);
  });

  it('lists the classes of the dataset asked for: the synthetic one has two', () => {
    const swap = labelSwapOf({ swapLabels: 'positive,0', fromSample: 10, fromSampleGiven: true }, 'synthetic', SYNTHETIC_CLASSES);
    assert.deepEqual([swap?.a, swap?.b], [1, 0]);
    assert.equal(swap?.startLine, 'drift: labels 1 (positive) and 0 (negative) swap from sample 10 on');
    assert.throws(() => labelSwapOf({ swapLabels: '0,2', fromSample: 0, fromSampleGiven: false }, 'synthetic', SYNTHETIC_CLASSES), {
      message: 'invalid DRIFT_SWAP_LABELS="0,2": expected two different classes of synthetic (0-1 or a class name: negative, positive)',
    });
  });
});

describe('label swap: the datagenerator settings', () => {
  function configured(argv: string[], env: NodeJS.ProcessEnv = {}): LabelSwap | undefined {
    return labelSwapFor(readConfig('datagenerator', SUMMARY, datageneratorSpec, argv, env));
  }

  it('reads both settings from flags or the environment, checked against DATASET', () => {
    const swap = configured(['--drift-swap-labels', 'Dress,Sandal', '--drift-from-sample=2000']);
    assert.deepEqual([swap?.a, swap?.b, swap?.fromSample], [3, 5, 2000]);
    const digits = configured([], { DATASET: 'mnist', DRIFT_SWAP_LABELS: '1,7', DRIFT_FROM_SAMPLE: '5' });
    assert.equal(digits?.startLine, 'drift: labels 1 (1) and 7 (7) swap from sample 5 on');
  });

  it('is off by default', () => {
    assert.equal(configured([]), undefined);
  });

  it('refuses DRIFT_FROM_SAMPLE that is not a non-negative integer', () => {
    assert.throws(() => configured([], { DRIFT_SWAP_LABELS: '3,5', DRIFT_FROM_SAMPLE: '-1' }), {
      message: 'invalid DRIFT_FROM_SAMPLE="-1": expected an integer >= 0 (-1 is below 0)',
    });
    assert.throws(() => configured(['--drift-from-sample', '1.5']), {
      message: 'invalid DRIFT_FROM_SAMPLE="1.5": expected an integer >= 0 (not a whole number)',
    });
  });

  it('refuses a DRIFT_FROM_SAMPLE start without DRIFT_SWAP_LABELS: it would swap nothing', () => {
    const expected = 'expected DRIFT_SWAP_LABELS alongside (the two classes that swap from this sample on)';
    assert.throws(() => configured(['--drift-from-sample', '2000']), { message: `invalid DRIFT_FROM_SAMPLE="2000": ${expected}` });
    assert.throws(() => configured([], { DRIFT_FROM_SAMPLE: '7' }), { message: `invalid DRIFT_FROM_SAMPLE="7": ${expected}` });
    assert.equal(configured([], { DRIFT_FROM_SAMPLE: '0' }), undefined);
  });
});
