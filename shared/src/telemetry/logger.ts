import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import winston from 'winston';

export type Logger = winston.Logger;

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Also write JSON lines to this file (created with its folder). */
  file?: string;
}

const consoleFormat = winston.format.printf(({ level, message, timestamp, service, ...extra }) => {
  const rest = Object.keys(extra).length === 0 ? '' : ' ' + JSON.stringify(extra);
  return `${String(timestamp)} ${String(service)} ${level}: ${String(message)}${rest}`;
});

/** The service's operational log: console for people, optionally a file. */
export function createLogger(options: LoggerOptions): Logger {
  const transports: winston.transport[] = [
    new winston.transports.Console({
      // Everything to stderr, so stdout stays free for a command's own output.
      stderrLevels: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'],
      format: winston.format.combine(winston.format.timestamp(), consoleFormat),
    }),
  ];
  if (options.file !== undefined) {
    mkdirSync(dirname(options.file), { recursive: true });
    transports.push(
      new winston.transports.File({
        filename: options.file,
        format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
      }),
    );
  }
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: { service: options.service },
    transports,
  });
}

/** Waits until every transport has written what it was given (call before exit). */
export async function closeLogger(logger: Logger): Promise<void> {
  await new Promise<void>((resolve) => {
    logger.on('finish', () => resolve());
    logger.end();
  });
}
