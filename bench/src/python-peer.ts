// The Python reference peer (bench/python-peer/peer.py) on the same broker, topic shape, records
// and model architecture as the predictor: the figure a user would compare hotswap with.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DATA_PARTITIONS, dataTopicSpec, predictionTopicSpec } from '@hotswap/shared';
import { progress } from './measure';
import { REPO, type Options } from './options';
import type { Row } from './report';
import { benchId, kafka, prefill, topicNames, type HeldOut } from './run';

const PEER = join(REPO, 'bench', 'python-peer');
const VENV = join(PEER, '.venv');
const REQUIREMENTS = join(PEER, 'requirements.txt');
/** Where scripts/tfjs-native.sh keeps the TensorFlow wheel: pip takes it from there instead of downloading it again. */
const WHEELS = join(REPO, '.cache', 'tfjs-native');

export type PeerFigure = { perSecond: number; records: number; spanMs: number } | { skipped: string };

/** The venv's Python with the pinned requirements, installed on first use (and again when they change); else why not. */
function peerPython(): { python: string } | { skipped: string } {
  const system = process.env['BENCH_PYTHON'] ?? 'python3';
  const found = spawnSync(system, ['--version'], { encoding: 'utf8' });
  if (found.error !== undefined || found.status !== 0) return { skipped: `no ${system} on this machine (BENCH_PYTHON names another)` };
  const python = join(VENV, 'bin', 'python');
  const stamp = join(VENV, '.requirements.sha256');
  const wanted = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  if (existsSync(python) && existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return { python };
  progress(`python peer: installing its pinned requirements into ${VENV} (first use; about a minute)`);
  const steps: [string, string[]][] = [
    [system, ['-m', 'venv', '--clear', VENV]],
    [python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--find-links', WHEELS, '-r', REQUIREMENTS]],
  ];
  for (const [command, args] of steps) {
    const r = spawnSync(command, args, { encoding: 'utf8', timeout: 900_000 });
    if (r.status !== 0) {
      const why = `${r.stderr ?? ''}${r.stdout ?? ''}`.trim().split('\n').at(-1) ?? String(r.error);
      return { skipped: `its requirements did not install (${command} ${args.slice(0, 3).join(' ')}: ${why})` };
    }
  }
  writeFileSync(stamp, wanted);
  return { python };
}

/** The peer's records/s over a backlog of `n` samples, at least once: from its first batch received to its last committed. */
export async function pythonPeer(options: Options, held: HeldOut): Promise<PeerFigure> {
  const found = peerPython();
  if ('skipped' in found) {
    progress(`python peer skipped: ${found.skipped}`);
    return found;
  }
  const t = topicNames('python');
  await kafka().waitForTopics([dataTopicSpec(t.data, DEFAULT_DATA_PARTITIONS), predictionTopicSpec(t.prediction, DEFAULT_DATA_PARTITIONS)]);
  await prefill(held, t.data, options.samples, `${benchId}p`);
  const args = [
    join(PEER, 'peer.py'),
    ...['--brokers', process.env['HOTSWAP_TEST_BROKERS'] as string, '--topic', t.data, '--out-topic', t.prediction, '--group', t.group],
    ...['--count', String(options.samples), '--schema', join(REPO, 'shared', 'schemas', 'sample.avsc'), '--model', options.model],
    ...['--timeout', String(60 + options.samples / 200)],
  ];
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(found.python, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`python peer exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`)),
    );
  });
  const figure = JSON.parse(out.trim().split('\n').at(-1) as string) as { perSecond: number; records: number; spanMs: number };
  if (!(figure.perSecond > 0) || figure.records !== options.samples) throw new Error(`python peer: unexpected result ${out.trim()}`);
  return figure;
}

/** The peer's row of the table: its figure, or why it has none. */
export function peerRow(peer: PeerFigure, samples: number): Row {
  return {
    id: 'python-peer',
    figure: `python peer: confluent-kafka consume(500) -> fastavro -> tf.function -> idempotent produce, flush, commit; backlog of ${samples}, at-least-once`,
    value: 'skipped' in peer ? null : peer.perSecond,
    unit: 'predictions/s',
    ...('skipped' in peer ? { note: `skipped: ${peer.skipped}` } : {}),
  };
}
