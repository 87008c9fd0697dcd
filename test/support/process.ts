/**
 * Child-process plumbing shared by the real-broker helpers (mosquitto, nats-server, aedes in a child):
 * spawn with the output captured, wait for a log line or for the process to exit, stop by PID.
 *
 * Every child started here is also SIGKILLed when the Node process exits, so a crashed script (a benchmark
 * run with tsx, say) leaves no broker behind. Inside Jest that hook is inert (each test file gets its own
 * copy of `process`, whose 'exit' never fires): tests must stop what they start, or Jest waits for the child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/** How a child process ended: exactly one of `code` / `signal` is non-null. */
export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A spawned child whose stdout and stderr are captured into one log. */
export interface LoggedProcess {
  /** The Node handle of the child. */
  readonly child: ChildProcess;
  /** The operating system process id. */
  readonly pid: number;
  /**
   * What the child wrote to stdout and stderr, in arrival order. Only the last `maxLogChars` characters
   * are kept (see {@link spawnLogged}); older text is dropped.
   */
  log(): string;
  /** Characters written so far, including dropped ones: an offset to pass as `from` to `waitForLog`. */
  logSize(): number;
  /** Resolves once the child has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** True until the child has exited. */
  isRunning(): boolean;
  /**
   * Waits until the log text after offset `from` (a {@link LoggedProcess.logSize} value, default 0) matches
   * `pattern`.
   * Rejects with the log attached if the child exits first or after `timeoutMs` (default 5000 ms).
   */
  waitForLog(pattern: RegExp, options?: { from?: number; timeoutMs?: number }): Promise<RegExpExecArray>;
  /**
   * Sends `signal` (default SIGTERM) and resolves with the exit once the child is gone. The signal is sent
   * again every 250 ms (a broker may overwrite its "stop" flag when a signal lands during start-up), and a
   * child still alive after `timeoutMs` (default 5000 ms) is SIGKILLed. Resolves at once if already exited.
   */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo>;
}

/** Thrown when a broker process could not be started; `log` holds what the process printed. */
export class BrokerStartError extends Error {
  override readonly name = 'BrokerStartError';
  constructor(
    message: string,
    /** Everything the broker printed before it failed. */
    readonly log: string,
  ) {
    super(`${message}\n--- broker log ---\n${log}`);
  }
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killLeftovers(): void {
  for (const child of running) child.kill('SIGKILL');
}

/**
 * Spawns `command` with `args`, stdout and stderr captured (the pipes are always drained, so a chatty
 * broker never blocks on a full pipe). At most `maxLogChars` (default 2,000,000) characters of log are kept
 * in memory. stdin is ignored unless `stdin: 'pipe'` (a child can then notice its parent dying by stdin
 * closing). Throws {@link BrokerStartError} if the executable cannot be spawned (e.g. ENOENT).
 */
export async function spawnLogged(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; maxLogChars?: number; stdin?: 'ignore' | 'pipe' } = {},
): Promise<LoggedProcess> {
  const { cwd, env } = options;
  const child = spawn(command, args, { cwd, env, stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'] });
  const maxLogChars = options.maxLogChars ?? 2_000_000;
  let text = '';
  let dropped = 0;
  const waiters = new Set<() => void>();
  const onOutput = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (text.length > maxLogChars) {
      const cut = text.length - Math.floor(maxLogChars / 2);
      dropped += cut;
      text = text.slice(cut);
    }
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', onOutput);
  child.stderr?.on('data', onOutput);
  let exit: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    // 'close' (not 'exit') so that all output has been read when it fires.
    child.once('close', (code, signal) => {
      running.delete(child);
      exit = { code, signal };
      for (const wake of waiters) wake();
      resolve(exit);
    });
  });
  const spawned = await new Promise<Error | undefined>((resolve) => {
    child.once('spawn', () => resolve(undefined));
    child.once('error', resolve);
  });
  if (spawned || child.pid === undefined) {
    throw new BrokerStartError(`cannot spawn ${command}: ${spawned?.message ?? 'no pid'}`, text);
  }
  running.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', killLeftovers);
  }
  const pid = child.pid;

  const waitForLog = (pattern: RegExp, opts: { from?: number; timeoutMs?: number } = {}) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const from = opts.from ?? 0;
      const check = () => {
        const match = pattern.exec(text.slice(Math.max(0, from - dropped)));
        if (match) return done(() => resolve(match));
        const ended = exit;
        if (ended)
          return done(() => reject(new BrokerStartError(`${command} exited (${describe(ended)})`, text)));
      };
      const timer = setTimeout(
        () => done(() => reject(new BrokerStartError(`${command}: no log line ${pattern} in time`, text))),
        opts.timeoutMs ?? 5000,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        settle();
      };
      waiters.add(check);
      check();
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000) => {
    if (exit) return exit;
    child.kill(signal);
    const again = setInterval(() => child.kill(signal), 250);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const info = await exited;
    clearInterval(again);
    clearTimeout(timer);
    return info;
  };

  return {
    child,
    pid,
    log: () => text,
    logSize: () => dropped + text.length,
    exited,
    isRunning: () => exit === undefined,
    waitForLog,
    stop,
  };
}

/**
 * Runs a short command to completion and resolves with its exit code and combined output, whatever the
 * exit code (`mosquitto -h` exits with 3). Rejects only if it cannot be spawned.
 */
export function runCapture(
  command: string,
  args: readonly string[],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

/** The first of `candidates` that exists as a file, else `fallback` (looked up on PATH by spawn). */
export function findExecutable(candidates: readonly (string | undefined)[], fallback: string): string {
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  return fallback;
}

/** "code 1" / "signal SIGKILL", for messages. */
export function describe(exit: ExitInfo): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
}

/** Resolves after `ms` milliseconds (for polling loops; never used to wait for a result in a test). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
