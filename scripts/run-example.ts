/**
 * `npm run example -- <name>`: runs examples/<name>.ts against a fresh embedded broker (mqtt-connector/testing)
 * on ephemeral ports, then stops the broker. The example's `main(brokerUrl, broker)` gets the broker's URL,
 * and the broker itself for examples that simulate an outage. An example that exports
 * `preferredBroker = 'mosquitto'` (it shows MQTT 5 or shared subscriptions, which aedes lacks) runs against
 * Mosquitto, started on an ephemeral port, when mosquitto is installed; otherwise against aedes, and the
 * runner says so. Exits non-zero if the example throws (its checks failed) or has not finished within 15 s.
 *
 * `npm run examples` (`--all`): runs every Node example in its own process, one after the other: files that
 * export `main` through this script, the others (`demo.ts`, which starts its own broker) as they are. Fails
 * when one exits non-zero or does not exit by itself within 15 s (an open socket or timer left behind).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBroker, type EmbeddedBroker } from '../src/testing/index';
import { mosquittoVersion, startMosquitto } from '../test/support/mosquitto';

interface Example {
  /** Runs the example; `broker` is the embedded broker, absent when it runs against Mosquitto. */
  main(brokerUrl: string, broker?: EmbeddedBroker): Promise<void>;
  /** `'mosquitto'`: run it against Mosquitto when installed (MQTT 5, shared subscriptions). */
  preferredBroker?: 'mosquitto';
}

const EXAMPLES = join(__dirname, '..', 'examples');
const LIMIT_MS = 15_000;
const EXPORTS_MAIN = /export\s+(async\s+)?function\s+main\s*\(/;
const PREFERS_MOSQUITTO = /export\s+const\s+preferredBroker\s*=\s*'mosquitto'/;

async function runOne(name: string | undefined): Promise<void> {
  if (!name || !/^[a-z0-9-]+$/.test(name))
    throw new Error('usage: npm run example -- <name> (a file in examples/)');
  const example = (await import(`../examples/${name}`)) as Example;
  if (typeof example.main !== 'function') throw new Error(`examples/${name}.ts exports no main(brokerUrl)`);
  if (example.preferredBroker === 'mosquitto') {
    const version = await mosquittoVersion().catch(() => undefined);
    if (version !== undefined) {
      const mosquitto = await startMosquitto();
      console.log(`(against Mosquitto ${version} on ${mosquitto.url}: MQTT 5 and shared subscriptions)`);
      try {
        await example.main(mosquitto.url);
      } finally {
        await mosquitto.close();
      }
      return;
    }
    console.log(
      '(mosquitto is not installed: against the embedded aedes broker, MQTT 3.1.1 without shared ' +
        'subscriptions; install mosquitto to see this example as meant)',
    );
  }
  const broker = await startBroker();
  try {
    await example.main(broker.url, broker);
  } finally {
    await broker.close();
  }
}

/** Runs one example in a child process; resolves with its exit code (or a reason it was killed). */
function runChild(file: string, viaRunner: boolean): Promise<string | undefined> {
  const name = file.replace(/\.ts$/, '');
  const args = viaRunner ? [__filename, name] : [join(EXAMPLES, file)];
  // process.execArgv carries tsx's loader, so the child runs TypeScript like this process.
  const child = spawn(process.execPath, [...process.execArgv, ...args], { stdio: 'inherit' });
  return new Promise((resolve) => {
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve(`did not exit by itself within ${LIMIT_MS / 1000} s`);
    }, LIMIT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve(code === 0 ? undefined : `exited with ${signal ?? `code ${code}`}`);
    });
  });
}

async function runAll(): Promise<void> {
  const files = readdirSync(EXAMPLES, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => entry.name)
    .sort();
  const failures: string[] = [];
  for (const file of files) {
    const source = readFileSync(join(EXAMPLES, file), 'utf8');
    const viaRunner = EXPORTS_MAIN.test(source);
    const broker = PREFERS_MOSQUITTO.test(source) ? 'Mosquitto if installed' : 'embedded broker';
    console.log(`\n=== examples/${file}${viaRunner ? ` (${broker})` : ''} ===`);
    const started = Date.now();
    const failure = await runChild(file, viaRunner);
    console.log(`=== examples/${file}: ${failure ?? 'ok'} in ${Date.now() - started} ms ===`);
    if (failure) failures.push(`examples/${file} ${failure}`);
  }
  if (failures.length > 0) throw new Error(`${failures.length} example(s) failed:\n${failures.join('\n')}`);
  console.log(`\nall ${files.length} examples ran and exited by themselves`);
}

const all = process.argv[2] === '--all';
// Kept referenced while the example runs: a hung promise must not end the process as a success.
const watchdog = all
  ? undefined
  : setTimeout(() => {
      console.error(`example did not finish within ${LIMIT_MS / 1000} s`);
      process.exit(1);
    }, LIMIT_MS);
(all ? runAll() : runOne(process.argv[2]))
  .then(() => clearTimeout(watchdog))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
