import { pino, type Logger } from 'pino';

/** One data-plane request as the access log records it. No header value, no query string. */
export interface AccessRecord {
  readonly requestId: string;
  readonly method: string;
  /** Path without query string (it may carry credentials), capped in length. */
  readonly path: string;
  readonly status: number;
  /** Whole microseconds from the request head to the end (logged as `durationMs`, 3 decimals at most). */
  readonly durationUs: number;
  readonly deployment: string | undefined;
  readonly node: string | undefined;
  /** Whole microseconds until the upstream answered (logged as `upstreamMs`). */
  readonly upstreamUs: number | undefined;
  readonly retried: boolean;
  readonly remote: string | undefined;
}

interface Writable {
  write(chunk: string): unknown;
}

/** JSON string literal; most values (ids, IPs, plain paths) need no escaping, which is checked first. */
// eslint-disable-next-line no-control-regex -- control characters are what must be escaped
const NEEDS_ESCAPE = /["\\\x00-\x1f\u2028\u2029]/;
const str = (value: string): string => (NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`);

/**
 * Whole microseconds as the JSON number of milliseconds, exactly the text `String(us /
 * 1000)` gives (3 decimals at most, no trailing zeros), from integers: formatting the
 * double itself (a duration rarely repeats, so V8's number-string cache misses) was
 * half the cost of an access line.
 */
export function microsAsMillis(us: number): string {
  const ms = Math.trunc(us / 1000);
  const rest = us - ms * 1000;
  if (rest === 0) return `${ms}`;
  if (rest % 100 === 0) return `${ms}.${rest / 100}`;
  if (rest % 10 === 0) return `${ms}.${rest < 100 ? '0' : ''}${rest / 10}`;
  return `${ms}.${rest < 10 ? '00' : rest < 100 ? '0' : ''}${rest}`;
}

/** ".000Z" to ".999Z": the millisecond tail of an ISO time, one string per value. */
const MILLIS_TAIL = Array.from({ length: 1000 }, (_, ms) => `.${String(ms).padStart(3, '0')}Z`);

/**
 * `new Date(ms).toISOString()` for the current time, cheaply: the text up to the second
 * is formatted once per second (toISOString costs ~0.75 µs) and the milliseconds are
 * looked up. A clock that steps back is simply formatted afresh.
 */
export class IsoTime {
  private secondStart = Number.NaN;
  private secondText = '';

  format(ms: number): string {
    let into = ms - this.secondStart;
    if (!(into >= 0 && into < 1000)) {
      this.secondStart = Math.floor(ms / 1000) * 1000;
      this.secondText = new Date(this.secondStart).toISOString().slice(0, 19);
      into = ms - this.secondStart;
    }
    return this.secondText + (MILLIS_TAIL[into] as string);
  }
}

/**
 * The JSON literal of the value given last time, for fields that repeat from one line to
 * the next (deployment, node, remote address): the escaping check runs once per change.
 */
class RepeatedLiteral {
  private value = '';
  private literal = '""';

  of(value: string): string {
    if (value !== this.value) {
      this.value = value;
      this.literal = str(value);
    }
    return this.literal;
  }
}

/** Lines are handed to the log stream in batches of this size, or after FLUSH_MS. */
const BATCH_CHARS = 16 * 1024;
const FLUSH_MS = 250;

/**
 * Access log lines, one per request, in the same JSON shape and stream as the other log
 * lines (`"log":"access"`). They are built directly rather than through pino's generic
 * serialiser and redaction pass (the fields are fixed and never carry a credential), and
 * handed to the stream in batches: per line this costs well under a microsecond, where
 * a pino call costs several. A batch waits at most 250 ms, so access lines may appear up
 * to that much after other log lines written meanwhile; every line carries its time.
 */
export class AccessLog {
  private readonly stream: Writable;
  private readonly prefix: string;
  private batch = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly time = new IsoTime();
  private readonly deployment = new RepeatedLiteral();
  private readonly node = new RepeatedLiteral();
  private readonly remote = new RepeatedLiteral();

  constructor(private readonly logger: Logger) {
    this.stream = (logger as unknown as Record<symbol, Writable>)[pino.symbols.streamSym] as Writable;
    const base = logger.bindings();
    const worker = typeof base.worker === 'number' ? `,"worker":${base.worker}` : '';
    this.prefix = `{"level":"info","service":${str(String(base.service ?? 'gatehouse'))}${worker},"log":"access","msg":"request"`;
  }

  get enabled(): boolean {
    return this.logger.isLevelEnabled('info');
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch === '') return;
    const batch = this.batch;
    this.batch = '';
    this.stream.write(batch);
  }

  write(r: AccessRecord): void {
    let line = `${this.prefix},"time":"${this.time.format(Date.now())}","requestId":${str(r.requestId)},"method":${str(r.method)},"path":${str(r.path)},"status":${r.status},"durationMs":${microsAsMillis(r.durationUs)}`;
    if (r.deployment !== undefined) line += `,"deployment":${this.deployment.of(r.deployment)}`;
    if (r.node !== undefined) line += `,"node":${this.node.of(r.node)}`;
    if (r.upstreamUs !== undefined) line += `,"upstreamMs":${microsAsMillis(r.upstreamUs)}`;
    if (r.retried) line += ',"retried":true';
    if (r.remote !== undefined) line += `,"remote":${this.remote.of(r.remote)}`;
    this.batch += `${line}}\n`;
    if (this.batch.length >= BATCH_CHARS) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }
}
