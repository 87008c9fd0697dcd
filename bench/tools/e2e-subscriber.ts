/**
 * The subscriber of `bench/tools/e2e-split.ts --apart`, in a process of its own (forked, with an IPC channel):
 * subscribes once, then counts one run of sequenced messages per `run` message from its parent and answers
 * with what the run cost it. Not meant to be run by hand.
 *
 *   --url=mqtt://127.0.0.1:PORT --side=raw|this|<src dir> --topic=T --qos=0 --protocol=5 --n=50000
 *
 * Parent → child: `{ type: 'run' }` (a run starts), `{ type: 'published' }` (the publisher is done: from
 * here on, 2 s without a message ends the run), `{ type: 'close' }`. Child → parent: `{ type: 'ready' }`
 * once subscribed; per run `{ type: 'started' }` once it counts (the parent publishes after it), then an
 * {@link ApartResult}.
 */
import type { QoS } from '../../src/connector/types.js';
import { Args } from '../lib/args.js';
import { abConnector } from '../lib/connector.js';
import { measureCost } from '../lib/cost.js';
import { subscribeSide } from '../lib/e2e.js';
import { Receiver } from '../lib/e2e-receiver.js';

/** What the child reports for one run. */
export interface ApartResult {
  readonly type: 'result';
  readonly unique: number;
  readonly duplicates: number;
  /** When the last new message arrived, in ms since the epoch (`performance.timeOrigin` based). */
  readonly lastAt: number;
  /** This process's CPU (µs) and read system calls over the run. */
  readonly cpuUs: number;
  readonly readCalls?: number;
}

/** A message from the parent. */
export type ApartCommand =
  { readonly type: 'run' } | { readonly type: 'published' } | { readonly type: 'close' };

const IDLE_MS = 2_000;
const CAP_MS = 60_000;

async function main(): Promise<void> {
  const args = new Args();
  const url = args.optionalString('url');
  const topic = args.optionalString('topic');
  if (url === undefined || topic === undefined) throw new Error('--url and --topic are required');
  const sideFlag = args.string('side', 'this');
  const n = args.number('n', 50_000);
  const protocolVersion = args.protocolVersion();
  let current = new Receiver(n);
  const Connector =
    sideFlag === 'raw' ? undefined : await abConnector(sideFlag === 'this' ? undefined : sideFlag);
  const side = await subscribeSide(
    sideFlag === 'raw' ? 'raw' : 'connector',
    { url },
    topic,
    args.number('qos', 0) as QoS,
    { receive: (payload) => current.receive(payload) },
    Connector,
    protocolVersion,
  );
  let published: (() => void) | undefined;
  const send = (message: object) => process.send?.(message);
  process.on('message', (command: ApartCommand) => {
    if (command.type === 'published') published?.();
    else if (command.type === 'close') void side.close().then(() => process.disconnect());
    else void run();
  });
  const run = async () => {
    current = new Receiver(n);
    const done = new Promise<void>((resolve) => (published = resolve));
    const meter = measureCost();
    const start = performance.now();
    send({ type: 'started' });
    await current.done(done, IDLE_MS, CAP_MS, start);
    const cost = await meter.stop();
    const result: ApartResult = {
      type: 'result',
      unique: current.unique,
      duplicates: current.duplicates,
      lastAt: performance.timeOrigin + (current.lastAt > 0 ? current.lastAt : performance.now()),
      cpuUs: cost.cpuUs,
      ...(cost.readCalls !== undefined ? { readCalls: cost.readCalls } : {}),
    };
    send(result);
  };
  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
  process.disconnect?.();
});
