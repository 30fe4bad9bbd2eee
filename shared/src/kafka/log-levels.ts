/** A log level of ours, by name. */
export type LogLevelName = 'error' | 'warn' | 'info' | 'debug';

/**
 * The level a kafkajs log entry is written at here. An `error` line must mean a person should act,
 * but kafkajs logs at `error` what it is still handling: a broker's error answer (`Response ...`,
 * which its caller retries or throws) and each retry it schedules. Those go lower: a first retry
 * or two is routine (a transaction begun while the coordinator still writes the last one's
 * markers, a coordinator still loading), more say something is wrong. What kafkajs finally throws
 * reaches our code, which logs it at the level it deserves.
 */
export function kafkaLogLevel(level: LogLevelName, message: string, extra: Record<string, unknown>): LogLevelName {
  // Our producers retry sends themselves, and transactions make the retries safe: the library's
  // advice to retry forever is noise here.
  if (message.startsWith('Limiting retries for the idempotent producer')) return 'debug';
  if (level !== 'error') return level;
  if (message.startsWith('Response ')) return 'debug';
  // A consumer crash on a retriable error (a coordinator still loading after a broker start) is
  // restarted by kafkajs itself, and says so in a line of its own: worth a warning, not an action.
  if (message.startsWith('Crash: ') && !message.includes('NonRetriable')) return 'warn';
  if (message.startsWith('Restarting the consumer')) return 'warn';
  // Our batch handler threw: kafkajs hands the batch over again (or crashes the consumer, which
  // logs its own line), and the handler already said why at the level the cause deserves.
  if (message.startsWith('Error when calling eachBatch')) return 'warn';
  const retryCount = extra['retryCount'];
  if (typeof retryCount === 'number') return retryCount < ROUTINE_RETRIES ? 'debug' : 'warn';
  return 'error';
}

/** Retries of one operation that a healthy cluster may need. */
const ROUTINE_RETRIES = 2;
