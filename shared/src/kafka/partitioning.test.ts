import assert from 'node:assert/strict';
import { KeyPartitioner, murmur2 } from './partitioning';

// The first six are Kafka's own (UtilsTest.testMurmur2); the rest cover each tail length and
// multi-byte UTF-8. All were checked against kafkajs 2.2's Java-compatible partitioner.
const VECTORS: [string, number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
  ['', 275646681],
  ['sample-12', -1694295003],
  ['hotswap', -382471382],
  ['é-ünïcødé', -358216015],
];

describe('murmur2', () => {
  it("returns Kafka's hash for keys of every tail length, ASCII and multi-byte", () => {
    for (const [key, hash] of VECTORS) assert.equal(murmur2(Buffer.from(key, 'utf8')), hash, `murmur2(${JSON.stringify(key)})`);
  });

  it('hashes only the first `length` bytes, and refuses a length past the array', () => {
    const padded = Buffer.from('foobar-and-more', 'utf8');
    assert.equal(murmur2(padded, 6), -790332482);
    assert.throws(() => murmur2(Buffer.from('abc'), 4), /murmur2 of 4 bytes asked of a 3-byte array/);
  });
});

describe('KeyPartitioner', () => {
  const partitioner = new KeyPartitioner();

  it("picks Kafka's partition: the hash made positive (not negated) modulo the count", () => {
    // -973932308 & 0x7fffffff = 1173551340, which is 0 mod 6; Math.abs would give 2.
    assert.equal(partitioner.partitionOf('21', 6), 0);
    assert.equal(partitioner.partitionOf('abc', 6), 3);
    assert.equal(partitioner.partitionOf('fashion-mnist:000042', 6), 1);
  });

  it('gives a string key and its UTF-8 bytes the same partition, short or longer than the scratch buffer', () => {
    const long = `${'x'.repeat(1500)}é`;
    for (const key of ['é-ünïcødé', 'sample-12', long, '😀'.repeat(300)]) {
      for (const partitions of [1, 3, 6, 7]) {
        assert.equal(
          partitioner.partitionOf(key, partitions),
          partitioner.partitionOf(Buffer.from(key, 'utf8'), partitions),
          `${key.slice(0, 12)}… of ${partitions}`,
        );
      }
    }
    assert.equal(partitioner.partitionOf(long, 6), 4, 'the 1501-byte key hashes whole, not cut at the scratch size');
  });

  it('does not carry bytes of a longer key into the next, shorter one', () => {
    partitioner.partitionOf('a-little-bit-longer-string', 6);
    assert.equal(partitioner.partitionOf('abc', 1 << 30), 479470107 % (1 << 30));
  });

  it('refuses a partition count that is not a positive integer', () => {
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      assert.throws(() => partitioner.partitionOf('k', bad), new RegExp(`partition count ${bad} is not a positive integer`));
    }
  });
});
