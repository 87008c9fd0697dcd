/**
 * Runs one scenario as a child process with a hard deadline: its output is shown as it comes, its JSON
 * result read back, and every process it registered (brokers) killed by PID if still alive afterwards.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioOutput } from './output.js';

/** How a scenario run ended. */
export interface ChildResult {
  readonly output: ScenarioOutput | undefined;
  /** Exit code (null when killed by a signal). */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly durationMs: number;
  /** True when the runner had to kill it at its deadline. */
  readonly killed: boolean;
}

/** Options of {@link runChild}. */
export interface ChildOptions {
  /** bench/scenarios/<file> */
  readonly file: string;
  readonly args: readonly string[];
  /** The scenario's own deadline (it stops itself then); the runner kills it 15 s later. */
  readonly deadlineMs: number;
  /** Directory for the result file (and CPU profiles). */
  readonly workDir: string;
  /** Extra node flags (e.g. --cpu-prof). */
  readonly nodeFlags?: readonly string[];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs the scenario; never rejects. */
export async function runChild(options: ChildOptions): Promise<ChildResult> {
  mkdirSync(options.workDir, { recursive: true });
  const base = options.file.replace(/\.ts$/, '');
  const outFile = join(options.workDir, `${base}.json`);
  const pidFile = `${outFile}.pids`;
  rmSync(outFile, { force: true });
  rmSync(pidFile, { force: true });
  const start = Date.now();
  const deadline = start + options.deadlineMs;
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      ...(options.nodeFlags ?? []),
      '--import',
      'tsx',
      join('bench', 'scenarios', options.file),
      `--out=${outFile}`,
      `--deadline=${deadline}`,
      ...options.args,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  let killed = false;
  const killer = setTimeout(() => {
    killed = true;
    console.error(`[runner] ${options.file} did not stop at its deadline: SIGKILL ${child.pid ?? '?'}`);
    child.kill('SIGKILL');
  }, options.deadlineMs + 15_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.once('exit', (c, s) => resolve([c, s]));
    child.once('error', () => resolve([null, null]));
  });
  clearTimeout(killer);
  // Brokers the scenario started and could not stop (it crashed or was killed): stop them by PID.
  if (existsSync(pidFile)) {
    for (const line of readFileSync(pidFile, 'utf8').split('\n')) {
      const pid = Number(line);
      if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
        console.error(`[runner] killing leftover process ${pid} of ${options.file}`);
        process.kill(pid, 'SIGKILL');
      }
    }
    rmSync(pidFile, { force: true });
  }
  let output: ScenarioOutput | undefined;
  if (existsSync(outFile)) {
    try {
      output = JSON.parse(readFileSync(outFile, 'utf8')) as ScenarioOutput;
    } catch (error) {
      console.error(`[runner] unreadable result of ${options.file}:`, error);
    }
  }
  return { output, code, signal, durationMs: Date.now() - start, killed };
}

/**
 * Runs `node --import tsx <file> ...flags` (a tool's one-run child) and resolves with the last line it
 * printed on stdout, its result; its stderr is shown as it comes. Rejects, naming it `name`, when it exits
 * with an error or a signal; it is killed after `killAfterMs` (default 180 s), so a hung child cannot hold
 * up the tool.
 */
export function lastLineOf(
  file: string,
  flags: readonly string[],
  name: string,
  killAfterMs = 180_000,
): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', file, ...flags], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearTimeout(killer);
      if (code !== 0) reject(new Error(`${name} exited with ${code ?? signal}`));
      else resolve(stdout.trim().split('\n').pop() ?? '');
    });
  });
}
