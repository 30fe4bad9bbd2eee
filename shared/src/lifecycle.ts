import { ConfigError, HelpRequested } from './config';
import { AccessRefusedError } from './transport/transport';

/** A started service, as main.ts hands it back: what runMain stops on a signal. */
export interface Service {
  stop(): Promise<void>;
  /** For a command that ends on its own: resolves with its exit code, and runMain stops and exits with it. */
  finished?: Promise<number>;
}

export const EXIT_CONFIG = 2;

/**
 * Runs a service's main: configuration errors and credentials or certificates the transport refused print one line and exit 2, --help prints and exits
 * 0, SIGINT/SIGTERM call stop once (a second signal exits at once), and a fatal error exits 1.
 */
export function runMain(service: string, main: (onFatal: (e: Error) => void) => Promise<Service>): void {
  let running: Service | undefined;
  let stopping = false;
  const stop = (code: number): void => {
    if (stopping) return;
    stopping = true;
    void (running?.stop() ?? Promise.resolve()).then(
      () => process.exit(code),
      (e: Error) => {
        process.stderr.write(`${service}: error while stopping: ${e.message}\n`);
        process.exit(1);
      },
    );
  };
  const onFatal = (e: Error): void => {
    process.stderr.write(`${service}: fatal: ${e.stack ?? e.message}\n`);
    stop(1);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) {
        process.stderr.write(`${service}: second ${signal}, exiting now\n`);
        process.exit(130);
      }
      stop(0);
    });
  }
  main(onFatal).then(
    (service) => {
      running = service;
      if (stopping) void service.stop();
      service.finished?.then(
        (code) => stop(code),
        (e: Error) => onFatal(e),
      );
    },
    (e: unknown) => {
      if (e instanceof HelpRequested) {
        process.stdout.write(e.text);
        process.exit(0);
      }
      // A setting a person must change: a bad value, or credentials or a certificate the transport refused.
      if (e instanceof ConfigError || e instanceof AccessRefusedError) {
        process.stderr.write(`${service}: ${e.message}\n`);
        process.exit(EXIT_CONFIG);
      }
      process.stderr.write(`${service}: failed to start: ${(e as Error).stack ?? String(e)}\n`);
      process.exit(1);
    },
  );
}
