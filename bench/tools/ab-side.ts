/**
 * One side of one rep of `bench/tools/ab.ts --isolate`, in a process of its own: connects to the parent's
 * broker, runs `--warmups` untimed runs of a fifth of the messages (5 by default), then the timed run, and
 * prints its result as the last line of stdout (JSON: a `TimedRun` of lib/cost.ts). Not meant to be run by hand.
 *
 *   --url=mqtt://127.0.0.1:PORT --broker-pid=PID --side=raw|this|<src dir> --qos=1 --n=50000 (+ ab.ts's flags)
 */
import type { QoS } from '../../src/connector/types.js';
import { abRun, abSetup, timedAbRun } from '../lib/ab-variants.js';
import { Args } from '../lib/args.js';
import { abConnector } from '../lib/connector.js';

async function main(): Promise<void> {
  const args = new Args();
  const url = args.optionalString('url');
  if (url === undefined) throw new Error('--url is required');
  const brokerPid = args.optionalNumber('broker-pid');
  const broker = { url, pid: () => brokerPid };
  const sideFlag = args.string('side', 'this');
  const side = sideFlag === 'raw' ? 'raw' : await abConnector(sideFlag === 'this' ? undefined : sideFlag);
  const qos = args.number('qos', 1) as QoS;
  const n = args.number('n', 50_000);
  const setup = abSetup(args);
  const warmups = args.number('warmups', 5);
  for (let i = 0; i < warmups; i++) await abRun(broker, setup, side, qos, n / 5);
  const result = await timedAbRun(broker, setup, side, qos, n);
  console.log(JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
