/**
 * The frame of one scenario process: flags, a hard deadline, cleanup of everything it started (brokers
 * stopped by PID, clients closed), and the JSON result written where the runner asked.
 *
 * A scenario file calls {@link runScenario}; the runner (bench/run.ts) starts it as a child process
 * `node --expose-gc --import tsx bench/scenarios/<name>.ts --out=<file> --deadline=<epoch ms> ...`.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { Args } from './args.js';
import { OutputBuilder } from './output.js';

/** What a scenario body gets. */
export interface ScenarioContext {
  readonly args: Args;
  readonly out: OutputBuilder;
  /** True for `--smoke`: tiny counts, one rep; only proves the code path works. */
  readonly smoke: boolean;
  /** Milliseconds left before the hard deadline. */
  timeLeft(): number;
  /** Throws when less than `reserveMs` is left (a loop's bound in time). */
  checkTime(reserveMs?: number): void;
  /** Runs `fn` at the end (also on error or deadline), last registered first. */
  onCleanup(fn: () => Promise<void> | void): void;
  /** Records a child process id, so the runner can kill it if this process dies without cleaning up. */
  registerPid(pid: number | undefined): void;
  /** Progress line on stderr (the runner shows it). */
  log(message: string): void;
}

/** Thrown by {@link ScenarioContext.checkTime}. */
export class DeadlineError extends Error {}

/**
 * Runs a scenario body and writes its output. Exit code 0 when it finished, 1 when it threw, 3 when the
 * deadline hit (after cleanup).
 */
export function runScenario(id: string, title: string, body: (ctx: ScenarioContext) => Promise<void>): void {
  const args = new Args();
  const outFile = args.optionalString('out');
  const deadline = args.number('deadline', Date.now() + 10 * 60_000);
  const pidFile = outFile === undefined ? undefined : `${outFile}.pids`;
  const out = new OutputBuilder(id, title);
  const cleanups: (() => Promise<void> | void)[] = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        console.error(`[${id}] cleanup failed:`, error);
      }
    }
  };
  const write = () => {
    if (outFile !== undefined) writeFileSync(outFile, JSON.stringify(out.build(), null, 1));
  };
  const ctx: ScenarioContext = {
    args,
    out,
    smoke: args.bool('smoke', false),
    timeLeft: () => deadline - Date.now(),
    checkTime(reserveMs = 0) {
      // A smoke run only proves the code works: it goes on as long as the hard deadline allows.
      const reserve = this.smoke ? 0 : reserveMs;
      if (Date.now() + reserve > deadline) throw new DeadlineError(`scenario ${id} hit its deadline`);
    },
    onCleanup: (fn) => cleanups.push(fn),
    registerPid(pid) {
      if (pid !== undefined && pidFile !== undefined) appendFileSync(pidFile, `${pid}\n`);
    },
    log: (message) => console.error(`[${id}] ${message}`),
  };
  // The hard stop: clean up what we started, then leave, whatever the body is doing.
  const hardStop = setTimeout(
    () => {
      console.error(`[${id}] hard deadline reached: stopping`);
      out.note(`The scenario hit its hard deadline; results are partial.`);
      write();
      void cleanup().finally(() => process.exit(3));
    },
    Math.max(0, deadline - Date.now()),
  );
  hardStop.unref();
  body(ctx)
    .then(async () => {
      write();
      await cleanup();
      clearTimeout(hardStop);
      exitSoon();
    })
    .catch(async (error: unknown) => {
      console.error(`[${id}] failed:`, error);
      out.note(`The scenario failed: ${error instanceof Error ? error.message : String(error)}`);
      write();
      await cleanup();
      clearTimeout(hardStop);
      process.exitCode = error instanceof DeadlineError ? 3 : 1;
      exitSoon();
    });
}

/** Leaves even if a forgotten handle (a socket, a timer) would keep the process alive. */
function exitSoon(): void {
  setTimeout(() => process.exit(), 2000).unref();
}
