/**
 * The proxy's process tree (bench/measure/process-tree.ts): /proc/<pid>/stat lines parsed
 * (command names with spaces and parentheses), descendants found from a fake pid → parent
 * listing, CPU summed over a snapshot with exited, reused and new pids reported, and the
 * kernel's CPU lists; plus one real tree: this test's own child process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import {
  descendantsOf,
  parseCpuList,
  parseStat,
  processTree,
  treeCpuBetween,
  type StatFields,
} from '../../bench/measure/process-tree.js';

/** A /proc/<pid>/stat line with the fields we read set and every other field 0. */
function statLine(
  pid: number,
  comm: string,
  ppid: number,
  utime: number,
  stime: number,
  start: number,
): string {
  const after = ['S', String(ppid), ...Array<string>(9).fill('0'), String(utime), String(stime)];
  after.push(...Array<string>(6).fill('0'), String(start), '0', '0');
  return `${pid} (${comm}) ${after.join(' ')}\n`;
}

const stat = (pid: number, ppid: number, cpuTicks: number, startTicks = 1000): StatFields => ({
  pid,
  ppid,
  cpuTicks,
  startTicks,
});

describe('parseStat', () => {
  it('reads ppid, utime + stime and the start time after the command name', () => {
    assert.deepEqual(parseStat(statLine(4242, 'node', 17, 300, 45, 98765)), {
      pid: 4242,
      ppid: 17,
      cpuTicks: 345,
      startTicks: 98765,
    });
  });

  it('is not fooled by spaces and parentheses in the command name', () => {
    assert.deepEqual(parseStat(statLine(7, 'a) b (c', 1, 2, 3, 4)), {
      pid: 7,
      ppid: 1,
      cpuTicks: 5,
      startTicks: 4,
    });
  });

  it('refuses a line that is not a stat line', () => {
    assert.throws(() => parseStat('hello world'), /not a \/proc/);
  });

  it('reads this process as a child of its parent', () => {
    const real = readOwnStat();
    assert.equal(real.pid, process.pid);
    assert.equal(real.ppid, process.ppid);
  });
});

function readOwnStat(): StatFields {
  const tree = processTree(process.pid);
  const own = tree[0];
  assert.ok(own);
  return own;
}

describe('descendantsOf', () => {
  // 1 ─ 100 (primary) ─ 101, 102 (workers) ─ 103 (a worker's child); 200 is elsewhere.
  const parents = new Map([
    [100, 1],
    [102, 100],
    [101, 100],
    [103, 102],
    [200, 1],
    [201, 200],
  ]);

  it('finds children and grandchildren, sorted, and nothing else', () => {
    assert.deepEqual(descendantsOf(100, parents), [101, 102, 103]);
  });

  it('finds none below a leaf or an unknown pid', () => {
    assert.deepEqual(descendantsOf(101, parents), []);
    assert.deepEqual(descendantsOf(999, parents), []);
  });

  it('ends on a cycle (a listing taken while pids were reused)', () => {
    assert.deepEqual(
      descendantsOf(
        5,
        new Map([
          [5, 6],
          [6, 5],
        ]),
      ),
      [6],
    );
  });
});

describe('treeCpuBetween', () => {
  const before = [stat(100, 1, 1000), stat(101, 100, 5000), stat(102, 100, 7000)];

  it('sums the CPU used by every process of the snapshot and names the most any one used', () => {
    const after = [stat(100, 1, 1010), stat(101, 100, 5400), stat(102, 100, 7390)];
    assert.deepEqual(treeCpuBetween(before, after), { cpuTicks: 800, busiestTicks: 400, changes: [] });
  });

  it('reports a worker that exited and its replacement, counting only the survivors', () => {
    const after = [stat(100, 1, 1010), stat(101, 100, 5400), stat(104, 100, 20, 2000)];
    assert.deepEqual(treeCpuBetween(before, after), {
      cpuTicks: 410,
      busiestTicks: 400,
      changes: ['pid 102 exited', 'pid 104 started'],
    });
  });

  it('tells a reused pid from the process that had it', () => {
    const after = [stat(100, 1, 1010), stat(101, 100, 5400), stat(102, 100, 3, 5000)];
    assert.deepEqual(treeCpuBetween(before, after).changes, ['pid 102 exited', 'pid 102 started']);
  });
});

describe('parseCpuList', () => {
  it('expands ranges and single cores, sorted and without repeats', () => {
    assert.deepEqual(parseCpuList('0-1'), [0, 1]);
    assert.deepEqual(parseCpuList('5,0-2,2'), [0, 1, 2, 5]);
    assert.deepEqual(parseCpuList('3\n'), [3]);
  });

  it('refuses what is not a list', () => {
    assert.throws(() => parseCpuList('?'), /not a CPU list/);
    assert.throws(() => parseCpuList('0-'), /not a CPU list/);
  });
});

describe('processTree (real /proc)', () => {
  it('lists a child process below this one, and its CPU time grows while it works', async () => {
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 600; while (Date.now() < end);'], {
      stdio: 'ignore',
    });
    try {
      const pid = child.pid;
      assert.ok(pid !== undefined);
      const start = processTree(process.pid);
      const before = start.find((s) => s.pid === pid);
      assert.equal(before?.ppid, process.pid);
      await sleep(300);
      const during = processTree(process.pid).find((s) => s.pid === pid);
      assert.ok(during && before && during.cpuTicks > before.cpuTicks, 'the busy child used no CPU');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0);
      // Once it has exited (and been reaped) it is gone from the tree, and reported so.
      const { changes } = treeCpuBetween(start, processTree(process.pid));
      assert.ok(changes.includes(`pid ${pid} exited`), changes.join('; '));
    } finally {
      child.kill();
    }
  });
});
