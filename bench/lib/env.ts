/**
 * The facts about this machine and run that BENCHMARKS.md records: CPU, memory, kernel, Node and
 * package versions, load average.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { mosquittoBin } from '../../test/support/mosquitto.js';

/** The mosquitto executable, as test/support/mosquitto.ts finds it (env MOSQUITTO, /usr/sbin/mosquitto, PATH). */
const MOSQUITTO_BIN = mosquittoBin();

/** True when the mosquitto binary exists. */
export function mosquittoInstalled(): boolean {
  if (MOSQUITTO_BIN.includes('/')) return existsSync(MOSQUITTO_BIN);
  return spawnSync('which', [MOSQUITTO_BIN], { stdio: 'ignore' }).status === 0;
}

/** "2.0.11", or undefined when mosquitto is not installed. */
export function mosquittoVersion(): string | undefined {
  if (!mosquittoInstalled()) return undefined;
  try {
    // `mosquitto -h` prints its version and exits with status 3.
    const text = execFileSync(MOSQUITTO_BIN, ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return /version (\S+)/.exec(text)?.[1];
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout ?? '';
    return /version (\S+)/.exec(stdout)?.[1] ?? 'unknown';
  }
}

/** The version in node_modules/<name>/package.json. */
export function packageVersion(name: string, root = process.cwd()): string {
  try {
    const text = readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'not installed';
  }
}

/** CPU model from /proc/cpuinfo (or os.cpus()). */
function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line !== undefined) return line.split(':')[1]?.trim() ?? 'unknown';
  } catch {
    // not Linux: fall through
  }
  return cpus()[0]?.model ?? 'unknown';
}

/** The 1, 5 and 15 minute load averages, as "0.42, 0.80, 1.10". */
export function loadText(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
}

/** The 1-minute load average. */
export function load1(): number {
  return loadavg()[0] ?? 0;
}

/** The machine and versions, as label → value. */
export function environment(): [string, string][] {
  const git = (() => {
    try {
      const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
      const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src'], { encoding: 'utf8' }).trim();
      return dirty === '' ? commit : `${commit} (src/ has uncommitted changes)`;
    } catch {
      return 'unknown';
    }
  })();
  return [
    ['CPU', `${cpuModel()}, nproc = ${availableParallelism()}`],
    ['memory', `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['kernel', `${release()} (${process.platform} ${process.arch})`],
    ['Node', `${process.version} (V8 ${process.versions.v8})`],
    ['mqtt (MQTT.js)', packageVersion('mqtt')],
    ['rxjs', packageVersion('rxjs')],
    ['aedes', packageVersion('aedes')],
    ['mosquitto', mosquittoVersion() ?? 'not installed'],
    ['tsx', packageVersion('tsx')],
    ['mqtt-connector', `src/ at commit ${git}, run from TypeScript source through tsx`],
  ];
}
