import { spawn } from 'node:child_process';
import { REPO } from '../support/services';

/** What a docker or docker compose command printed, and how it ended. */
export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `docker ARGS` from the repo root, as a user would type it there: Compose reads the repo's
 * .env (both compose files, project `hotswap`). Compose settings inherited from the caller's
 * environment would override .env, so they are dropped; `env` adds the user's own variables.
 */
export function docker(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CommandResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  for (const k of Object.keys(env)) if (k.startsWith('COMPOSE_') && options.env?.[k] === undefined) delete env[k];
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`docker ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** `docker ARGS` that must succeed: its stdout, or an error carrying its stderr. */
export async function dockerOk(args: string[], options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<string> {
  const r = await docker(args, options);
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(-3000)}`);
  return r.stdout;
}

/** One container of the project, as `docker compose ps --format json` describes it. */
export interface Container {
  Name: string;
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
  ID: string;
}

export async function containers(): Promise<Container[]> {
  const out = await dockerOk(['compose', 'ps', '--all', '--format', 'json']);
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Container);
}

/**
 * Polls `probe` until it returns a value other than undefined; the error after `timeoutMs` says
 * what was awaited and what the last probe saw.
 */
export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  describe: () => Promise<string> | string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = (err as Error).message;
    }
    if (Date.now() > deadline) {
      const seen = await Promise.resolve(describe()).catch((err: Error) => err.message);
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${seen ? `; last seen: ${seen}` : ''}${lastError ? `; last error: ${lastError}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Kafka's own console consumer inside the broker container, as the seeds read topics. */
export async function consoleConsumer(topic: string, extra: string[], timeoutMs = 120_000): Promise<string[]> {
  const out = await dockerOk(
    [
      'compose',
      'exec',
      '-T',
      'kafka',
      '/opt/kafka/bin/kafka-console-consumer.sh',
      '--bootstrap-server',
      'kafka:19092',
      '--topic',
      topic,
      '--from-beginning',
      ...extra,
    ],
    { timeoutMs },
  );
  return out.split('\n').filter((line) => line.trim() !== '');
}

/** GET a path of a predictor replica's HTTP API from inside its container (8501 is not published). */
export async function predictorGet(index: number, path: string): Promise<unknown> {
  const script = `fetch('http://127.0.0.1:8501${path}').then((r) => r.text()).then((t) => process.stdout.write(t))`;
  const out = await dockerOk(['compose', 'exec', '-T', '--index', String(index), 'predictor', 'node', '-e', script], { timeoutMs: 30_000 });
  return JSON.parse(out);
}
