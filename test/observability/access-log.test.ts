import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../src/observability/log.js';
import { AccessLog, IsoTime, microsAsMillis, type AccessRecord } from '../../src/observability/access-log.js';
import { CapturedLog } from '../helpers/gatehouse.js';

const record = (path: string): AccessRecord => ({
  requestId: 'req-1',
  method: 'GET',
  path,
  status: 200,
  durationUs: 1500,
  deployment: 'dep',
  node: 'http://127.0.0.1:9001',
  upstreamUs: 750,
  retried: false,
  remote: '::1',
});

describe('AccessLog', () => {
  it('writes valid JSON lines whatever the path contains, in the shape of the other log lines', () => {
    const log = new CapturedLog();
    const access = new AccessLog(createLogger('info', log.stream));
    const paths = ['/plain/path', '/with "quotes"', '/back\\slash', '/ctl\u0001char', '/é/李/\u2028', ''];
    for (const path of paths) access.write(record(path));
    access.flush();
    assert.equal(log.lines.length, paths.length);
    log.lines.forEach((line, i) => {
      assert.equal(line.path, paths[i]);
      assert.equal(line.level, 'info');
      assert.equal(line.log, 'access');
      assert.equal(line.msg, 'request');
      assert.equal(line.service, 'gatehouse');
      assert.equal(line.status, 200);
      assert.equal(line.upstreamMs, 0.75);
      assert.equal(line.retried, undefined, 'retried appears only when true');
      assert.match(String(line.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    });
  });

  it('batches lines and flushes them within 250 ms', async () => {
    const log = new CapturedLog();
    const access = new AccessLog(createLogger('info', log.stream));
    access.write(record('/a'));
    assert.equal(log.lines.length, 0, 'held in the batch');
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.equal(log.lines.length, 1);
  });

  it('is disabled when the log level is above info', () => {
    const log = new CapturedLog();
    assert.equal(new AccessLog(createLogger('warn', log.stream)).enabled, false);
    assert.equal(new AccessLog(createLogger('info', log.stream)).enabled, true);
  });

  it('logs durations as milliseconds with the exact text of us / 1000', () => {
    const check = (us: number): void => assert.equal(microsAsMillis(us), String(us / 1000), `${us} µs`);
    for (let us = 0; us <= 1_000_000; us++) check(us);
    for (const us of [2 ** 31 - 1, 2 ** 31, 2 ** 31 + 7, 3_600_000_000, 86_400_000_123]) check(us);
    // Up to ~115 days; beyond ~2^43 µs a double cannot hold three decimals of ms anyway.
    for (let i = 0; i < 100_000; i++) check(Math.floor(Math.random() * 1e13));
  });

  it('writes durationMs and upstreamMs from whole microseconds', () => {
    const log = new CapturedLog();
    const access = new AccessLog(createLogger('info', log.stream));
    access.write({ ...record('/t'), durationUs: 12_340, upstreamUs: 5 });
    access.write({ ...record('/u'), durationUs: 7, upstreamUs: undefined });
    access.flush();
    assert.equal(log.lines[0]?.durationMs, 12.34);
    assert.equal(log.lines[0]?.upstreamMs, 0.005);
    assert.equal(log.lines[1]?.durationMs, 0.007);
    assert.equal(log.lines[1]?.upstreamMs, undefined);
  });

  it('formats the time exactly as toISOString, across seconds and when the clock steps back', () => {
    const time = new IsoTime();
    const start = Date.UTC(2026, 11, 31, 23, 59, 58, 990);
    const check = (ms: number): void => assert.equal(time.format(ms), new Date(ms).toISOString(), `${ms}`);
    for (let ms = start; ms < start + 3_000; ms++) check(ms); // through a year's end
    for (const ms of [start + 500, start - 86_400_000, start + 1_999, 0, 999, 1_000, start]) check(ms);
    for (let i = 0; i < 10_000; i++) check(Math.floor(Math.random() * 4e12));
  });

  it("writes each line's own deployment, node and address when they change between lines", () => {
    const log = new CapturedLog();
    const access = new AccessLog(createLogger('info', log.stream));
    const varied = [
      { deployment: 'a', node: 'http://127.0.0.1:9001', remote: '::1' },
      { deployment: 'a', node: 'http://127.0.0.1:9001', remote: '::1' },
      { deployment: 'b"quoted', node: 'http://127.0.0.1:9002', remote: '10.0.0.1' },
      { deployment: 'a', node: 'http://127.0.0.1:9001', remote: '::1' },
    ];
    for (const fields of varied) access.write({ ...record('/p'), ...fields });
    access.write({ ...record('/p'), deployment: undefined, node: undefined, remote: undefined });
    access.flush();
    assert.equal(log.lines.length, varied.length + 1);
    varied.forEach((fields, i) => {
      assert.equal(log.lines[i]?.deployment, fields.deployment);
      assert.equal(log.lines[i]?.node, fields.node);
      assert.equal(log.lines[i]?.remote, fields.remote);
    });
    const last = log.lines[varied.length];
    assert.equal(last?.deployment, undefined);
    assert.equal(last?.node, undefined);
    assert.equal(last?.remote, undefined);
  });
});
