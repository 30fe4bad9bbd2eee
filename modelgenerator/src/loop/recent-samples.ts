import { featureLength } from '@hotswap/shared/contracts';
import type { Dataset, DatasetContract } from '@hotswap/shared';

/**
 * The most recent labelled samples read from the data topic, in a fixed-size ring: what a
 * challenger is trained on when the stream has drifted. Pure; samples come in as their bytes on the
 * topic (UINT8 as is, FLOAT32 little-endian).
 */
export class RecentSamples {
  private readonly length: number;
  private readonly features: Uint8Array | Float32Array;
  private readonly labels: Uint8Array;
  /** Samples ever added: positions grow without end, the ring keeps the last `capacity`. */
  private added = 0;

  constructor(
    readonly capacity: number,
    private readonly contract: DatasetContract,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`recent samples capacity ${capacity} is not a positive integer`);
    this.length = featureLength(contract.featureShape);
    this.features = contract.dtype === 'UINT8' ? new Uint8Array(capacity * this.length) : new Float32Array(capacity * this.length);
    this.labels = new Uint8Array(capacity);
  }

  /** Samples added so far: a mark to take the ones after it later. */
  get total(): number {
    return this.added;
  }

  /** Adds one sample's topic bytes and label; throws when the bytes are not one sample of the contract. */
  add(bytes: Uint8Array, label: number): void {
    const width = this.contract.dtype === 'UINT8' ? 1 : 4;
    if (bytes.length !== this.length * width)
      throw new RangeError(`sample of ${bytes.length} bytes is not ${this.length * width} (${this.contract.name})`);
    if (!Number.isInteger(label) || label < 0 || label >= this.contract.classNames.length)
      throw new RangeError(`label ${label} is not a class of ${this.contract.name}`);
    const slot = this.added % this.capacity;
    if (this.features instanceof Uint8Array) this.features.set(bytes, slot * this.length);
    else {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < this.length; i++) this.features[slot * this.length + i] = view.getFloat32(i * 4, true);
    }
    this.labels[slot] = label;
    this.added++;
  }

  /** The samples added after `mark` that the ring still holds, oldest first, as a dataset to train on. */
  since(mark: number): Dataset {
    const from = Math.max(mark, this.added - this.capacity);
    const size = Math.max(0, this.added - from);
    const features = this.features instanceof Uint8Array ? new Uint8Array(size * this.length) : new Float32Array(size * this.length);
    const labels = new Uint8Array(size);
    for (let i = 0; i < size; i++) {
      const slot = (from + i) % this.capacity;
      features.set(this.features.subarray(slot * this.length, (slot + 1) * this.length), i * this.length);
      labels[i] = this.labels[slot] as number;
    }
    const { name, classNames, featureShape, dtype } = this.contract;
    return { name, classNames, featureShape, dtype, size, features, labels };
  }
}
