/**
 * `npm run example -- <name>`: runs examples/<name>.ts against a fresh embedded aedes broker on an
 * ephemeral port, then stops the broker. Exits non-zero if the example throws or takes over 30 s.
 */
import { startAedes } from '../test/support/aedes';

interface Example {
  main(brokerUrl: string): Promise<void>;
}

async function run(name: string | undefined): Promise<void> {
  if (!name || !/^[a-z0-9-]+$/.test(name))
    throw new Error('usage: npm run example -- <name> (a file in examples/)');
  const example = (await import(`../examples/${name}`)) as Example;
  if (typeof example.main !== 'function') throw new Error(`examples/${name}.ts exports no main(brokerUrl)`);
  const broker = await startAedes();
  try {
    await example.main(broker.url);
  } finally {
    await broker.close();
  }
}

const watchdog = setTimeout(() => {
  console.error('example did not finish within 30 s');
  process.exit(1);
}, 30_000);
run(process.argv[2])
  .then(() => clearTimeout(watchdog))
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
