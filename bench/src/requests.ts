import { featuresOf } from '@hotswap/shared';
import { ServiceProcess } from '../../test/dist/support/services';
import { percentile, progress } from './measure';
import { MODEL_NAME } from './options';
import { benchId, running, type HeldOut, type Topics } from './run';

/** Round trips of the request client: how many requests, p50 and p99 (ms). */
export interface RequestReply {
  requests: number;
  p50: number | null;
  p99: number | null;
}

/**
 * Request/reply round trips through the idle predictor: `datagenerator request` sends requests of
 * 5 held-out images at 20/s and prints each round trip; p50 and p99 over them.
 */
export async function requestReplyRun(t: Topics, smoke: boolean): Promise<RequestReply> {
  const requests = smoke ? 20 : 300;
  const client = new ServiceProcess(
    'datagenerator',
    {
      REQUEST_TOPIC: t.request,
      REPLY_TOPIC: t.reply,
      REQUESTS: String(requests),
      REQUEST_RATE: '20',
      REQUEST_SIZE: '5',
      RUN_ID: `${benchId}rr`,
    },
    ['request'],
  );
  running.add(client);
  const code = await client.exitCode(120_000);
  running.delete(client);
  const times = client.lines
    .filter((l) => l.startsWith('{'))
    .map((l) => (JSON.parse(l) as { roundTripMs: number | null }).roundTripMs)
    .filter((ms) => ms !== null);
  if (code !== 0 || times.length !== requests) {
    throw new Error(`request client exited ${code} with ${times.length} of ${requests} replies:\n${client.lines.slice(-5).join('\n')}`);
  }
  progress(`request/reply: ${requests} requests of 5 images at 20/s`);
  return { requests, p50: percentile(times, 0.5), p99: percentile(times, 0.99) };
}

/** HTTP predict throughput at one request size. */
export interface HttpRate {
  requestsPerSecond: number;
  instancesPerSecond: number;
}

/** At 1 and at 64 instances per request. */
export interface HttpPredict {
  x1: HttpRate;
  x64: HttpRate;
}

/** HTTP predict throughput against the predictor's API: 4 clients in a loop, for 1 and for 64 instances per request. */
export async function httpPredictRun(port: number, held: HeldOut, smoke: boolean): Promise<HttpPredict> {
  const seconds = smoke ? 1 : 3;
  const rate = async (size: number): Promise<HttpRate> => {
    const instances = Array.from({ length: size }, (_, i) => Array.from(featuresOf(held.dataset, held.test[i] as number)));
    const body = JSON.stringify({ instances });
    let done = 0;
    const until = Date.now() + seconds * 1000;
    const started = Date.now();
    const client = async () => {
      while (Date.now() < until) {
        const res = await fetch(`http://127.0.0.1:${port}/v1/models/${MODEL_NAME}:predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`HTTP predict answered ${res.status}: ${text.slice(0, 200)}`);
        done++;
      }
    };
    await Promise.all([client(), client(), client(), client()]);
    const elapsed = (Date.now() - started) / 1000;
    progress(`http predict: ${size} instance(s) per request, ${Math.round(done / elapsed)} requests/s`);
    return { requestsPerSecond: done / elapsed, instancesPerSecond: (done * size) / elapsed };
  };
  const x1 = await rate(1);
  return { x1, x64: await rate(64) };
}
