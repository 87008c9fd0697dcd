/**
 * The runs of bench/tools/ab.ts against a real broker (aedes embedded): raw MQTT.js and the connector, on
 * the publish path and end to end, in this process (abRun) and in a process of its own (tools/ab-side.ts,
 * what `--isolate` starts for every side and rep), which must print its result as JSON.
 */
import { spawn } from 'node:child_process';
import { abRun, abSetup } from '../../../bench/lib/ab-variants.js';
import { Args } from '../../../bench/lib/args.js';
import { MqttConnector } from '../../../src/index.js';
import { startAedes, type EmbeddedBroker } from '../../support/aedes.js';

let broker: EmbeddedBroker;
beforeEach(async () => {
  broker = await startAedes();
});
afterEach(async () => {
  await broker.close();
});

const endpoint = () => ({ url: broker.url, pid: () => undefined });

describe('abRun', () => {
  it.each([
    ['publish', 'raw'],
    ['publish', 'connector'],
    ['e2e', 'raw'],
    ['e2e', 'connector'],
  ] as const)('%s path, %s: every message goes through and the run takes time', async (path, side) => {
    const setup = abSetup(new Args([`--path=${path}`, '--broker=aedes']));
    const seen: string[] = [];
    broker.aedes.on('publish', (packet, client) => {
      if (client !== null && packet.topic.startsWith('bench/ab')) seen.push(packet.topic);
    });
    const elapsedMs = await abRun(endpoint(), setup, side === 'raw' ? 'raw' : MqttConnector, 1, 300);
    expect(elapsedMs).toBeGreaterThan(0);
    // The publish path ends each run with one QoS 1 fence after the 300; end to end sends just the 300.
    expect(seen.length).toBeGreaterThanOrEqual(300);
  });
});

describe('tools/ab-side.ts (one side of --isolate)', () => {
  /** Runs the child against the embedded broker; resolves with its exit code, stdout and stderr. */
  function runSide(flags: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'bench/tools/ab-side.ts', ...flags], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
  }

  it.each(['raw', 'this'])(
    'side %s: warms up, times its run and prints the elapsed time and cost as JSON',
    async (side) => {
      const { code, stdout, stderr } = await runSide([
        `--url=${broker.url}`,
        `--broker-pid=${process.pid}`,
        `--side=${side}`,
        '--broker=aedes',
        '--qos=1',
        '--n=500',
        '--warmups=2',
      ]);
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
      const result = JSON.parse(stdout.trim().split('\n').pop() ?? '') as {
        elapsedMs: number;
        cost: { cpuUs: number; wallUs: number; brokerCpuUs?: number };
      };
      expect(result.elapsedMs).toBeGreaterThan(0);
      expect(result.cost.cpuUs).toBeGreaterThan(0);
      expect(result.cost.wallUs).toBeGreaterThanOrEqual(result.elapsedMs * 1000 * 0.99);
      // The broker here is this process: its CPU over the child's run was read from /proc.
      expect(result.cost.brokerCpuUs).toBeGreaterThan(0);
    },
    30_000,
  );

  it('fails with a message, and no result line, without --url', async () => {
    const { code, stdout, stderr } = await runSide(['--side=raw']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('--url is required');
  });
});
