/**
 * The bench's reading of a broker's CPU (bench/lib/cost.ts): another process's CPU time from /proc, and the
 * per-message cost and busy share a throughput row shows, so a row bounded by its broker can be told from
 * one bounded by the client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readSync } from 'node:fs';
import {
  brokerBusyNote,
  brokerLoad,
  brokerLoadText,
  ioCalls,
  measureCost,
  processCpuUs,
  RunSamples,
} from '../../../bench/lib/cost.js';

/** A child that spins on the CPU until killed: a stand-in for a busy broker. */
function spinningChild(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
}

describe('processCpuUs', () => {
  // /proc is Linux's, as is every machine the bench and CI run on.
  it('reads the CPU time another process has used, and it grows while it runs', async () => {
    const child = spinningChild();
    try {
      await once(child, 'spawn');
      const first = processCpuUs(child.pid);
      expect(first).toBeGreaterThanOrEqual(0);
      // Poll (bounded, at most 5 s) until a tick more is counted: a spinning process gains one every 10 ms
      // of CPU.
      let later = first;
      for (let i = 0; i < 1_000 && later === first; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        later = processCpuUs(child.pid);
      }
      expect(later).toBeGreaterThan(first as number);
      expect(((later as number) - (first as number)) % 10_000).toBe(0);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
});

/** Makes `count` read system calls of one byte each. */
function readBytes(count: number): void {
  const fd = openSync(process.execPath, 'r');
  try {
    const byte = Buffer.alloc(1);
    for (let i = 0; i < count; i++) readSync(fd, byte, 0, 1, i);
  } finally {
    closeSync(fd);
  }
}

describe('ioCalls', () => {
  it("counts this process's read calls, and another process's write calls as it makes them", async () => {
    const before = ioCalls('self');
    readBytes(500);
    const after = ioCalls('self');
    expect((after?.reads ?? 0) - (before?.reads ?? 0)).toBeGreaterThanOrEqual(500);
    // A child writing to /dev/null as fast as it can: a stand-in for a broker forwarding messages.
    const child = spawn(process.execPath, ['-e', "for (;;) require('fs').writeSync(1, 'x')"], {
      stdio: 'ignore',
    });
    try {
      await once(child, 'spawn');
      const first = ioCalls(child.pid);
      let later = first;
      for (let i = 0; i < 1_000 && later?.writes === first?.writes; i++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        later = ioCalls(child.pid);
      }
      expect(later?.writes).toBeGreaterThan(first?.writes ?? Infinity);
    } finally {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });

  it("makes measureCost count the run's read calls", async () => {
    const meter = measureCost();
    readBytes(300);
    const cost = await meter.stop();
    expect(cost.readCalls).toBeGreaterThanOrEqual(300);
    expect(cost.brokerWriteCalls).toBeUndefined();
  });
});

describe.each([
  ['processCpuUs', processCpuUs],
  ['ioCalls', ioCalls],
] as const)('%s', (_name, read) => {
  it('is undefined without a pid, and for a process that is gone', async () => {
    expect(read(undefined)).toBeUndefined();
    const child = spinningChild();
    await once(child, 'spawn');
    const pid = child.pid as number;
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(read(pid)).toBeUndefined();
  });
});

describe('brokerLoad', () => {
  it('divides the broker CPU by the messages and by the wall-clock span', () => {
    expect(
      brokerLoad({ cpuUs: 5, gcUs: 0, scavengeUs: 0, wallUs: 2_000_000, brokerCpuUs: 1_500_000 }, 100_000),
    ).toEqual({
      perMessage: 15,
      busy: 0.75,
    });
  });

  it('is undefined when the broker was not measured, or nothing arrived', () => {
    expect(brokerLoad({ cpuUs: 5, gcUs: 0, scavengeUs: 0, wallUs: 1_000 }, 10)).toBeUndefined();
    expect(
      brokerLoad({ cpuUs: 5, gcUs: 0, scavengeUs: 0, wallUs: 1_000, brokerCpuUs: 500 }, 0),
    ).toBeUndefined();
  });
});

describe('brokerLoadText', () => {
  it('shows the medians of per-message CPU and busy share', () => {
    expect(brokerLoadText([11.04, 9, 30], [0.98, 0.5, 1.02])).toBe('11.0 (98%)');
  });

  it('is a dash when no run measured the broker', () => {
    expect(brokerLoadText([], [])).toBe('–');
  });
});

describe('brokerBusyNote', () => {
  it("adds the measured side's and the reference's median busy share", () => {
    expect(brokerBusyNote([0.9, 0.99, 0.95], [0.97, 0.99])).toBe('; broker busy 95% / 98%');
  });

  it('adds nothing when either side did not measure the broker', () => {
    expect(brokerBusyNote([], [0.5])).toBe('');
    expect(brokerBusyNote([0.5], [])).toBe('');
  });
});

describe('RunSamples', () => {
  it("keeps each run's rate and per-message costs, and the broker's only where a run measured it", () => {
    const samples = new RunSamples();
    samples.add(1_000, 500, {
      cpuUs: 4_000,
      gcUs: 1_000,
      scavengeUs: 600,
      wallUs: 500_000,
      brokerCpuUs: 250_000,
    });
    samples.add(1_000, 250, { cpuUs: 2_000, gcUs: 0, scavengeUs: 0, wallUs: 250_000 });
    expect(samples.rates).toEqual([2_000, 4_000]);
    expect([samples.cpu, samples.gc, samples.scavenge]).toEqual([
      [4, 2],
      [1, 0],
      [0.6, 0],
    ]);
    expect([samples.brokerCpu, samples.brokerBusy]).toEqual([[250], [0.5]]);
  });
});
