/**
 * Structured JSON logs (pino). Header values of credentials are never logged: the
 * data plane logs no headers at all and no query strings, and these redaction paths
 * catch credential-like fields should one ever reach a log call.
 */
import cluster from 'node:cluster';
import { pino, type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export const REDACTED_PATHS = [
  'authorization',
  'cookie',
  'password',
  'secret',
  'token',
  'apiKey',
  'key',
  'refresh_token',
  '*.authorization',
  '*.cookie',
  '*.password',
  '*.secret',
  '*.token',
  '*.apiKey',
  '*.key',
  '*.refresh_token',
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
];

/** Log lines are written to stdout in batches of at least this many bytes, and at least every second. */
const LOG_BUFFER_BYTES = 4096;
const LOG_FLUSH_INTERVAL_MS = 1000;

/**
 * Lines are buffered (one write per 4 KiB instead of one per line, which matters at
 * thousands of access-log lines a second) and flushed every second; a warning or worse
 * is flushed at once, so nothing important waits behind the buffer.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  let stream = destination;
  let flush: (() => void) | undefined;
  if (!stream) {
    const stdout = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
    setInterval(() => stdout.flush(), LOG_FLUSH_INTERVAL_MS).unref();
    flush = () => stdout.flush();
    stream = stdout;
  }
  return pino(
    {
      level,
      // A cluster worker (server.workers > 1) says which one it is on every line.
      base: cluster.worker ? { service: 'gatehouse', worker: cluster.worker.id } : { service: 'gatehouse' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method, levelValue) {
          method.apply(this, args);
          if (levelValue >= WARN_LEVEL) flush?.();
        },
      },
    },
    stream,
  );
}

const WARN_LEVEL = 40;
