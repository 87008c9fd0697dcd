/**
 * Quick measurement of the subscription side (not the formal benchmark): heap per live subscription and
 * dispatch cost per message, with the workload of research/baseline.md scenario 5 (topics
 * `s<0..99>/d<0..99>/<metric>`; filters 70% exact, 15% `s/d/+`, 10% `s/+/metric`, 5% `s/#`; half the
 * messages on topics of exact filters, half uniform).
 *
 * Run: node --expose-gc --import tsx scripts/measure-subscriptions.ts [--filters=10,1000,10000] [--messages=100000]
 */
import { Subject, filter as rxFilter, type Subscription } from 'rxjs';
import type {
  ConnAck,
  IncomingPublish,
  MqttPort,
  PublishAck,
  SubscriptionRequest,
} from '../src/streams/port.js';
import { SubscriptionRegistry } from '../src/streams/subscription-registry.js';

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key ?? '', value ?? ''];
  }),
);
const FILTER_COUNTS = (args.get('filters') ?? '10,1000,10000').split(',').map(Number);
const MESSAGES = Number(args.get('messages') ?? 100_000);
const BUDGET_MS = 5000;
const METRICS = ['temp', 'hum', 'power', 'volt', 'state'];

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function workload(filterCount: number, messageCount: number) {
  const next = random(filterCount);
  const pick = (n: number) => Math.floor(next() * n);
  const filters = new Set<string>();
  const exactTopics: string[] = [];
  while (filters.size < filterCount) {
    const kind = next();
    const s = `s${pick(100)}`;
    const d = `d${pick(100)}`;
    const m = METRICS[pick(METRICS.length)] as string;
    let filter: string;
    if (kind < 0.7) filter = `${s}/${d}/${m}`;
    else if (kind < 0.85) filter = `${s}/${d}/+`;
    else if (kind < 0.95) filter = `${s}/+/${m}`;
    else filter = `${s}/#`;
    if (!filters.has(filter) && kind < 0.7) exactTopics.push(filter);
    filters.add(filter);
  }
  const topics: string[] = [];
  for (let i = 0; i < messageCount; i++) {
    topics.push(
      i % 2 === 0 && exactTopics.length > 0
        ? (exactTopics[pick(exactTopics.length)] as string)
        : `s${pick(100)}/d${pick(100)}/${METRICS[pick(METRICS.length)]}`,
    );
  }
  return { filters: [...filters], topics };
}

class QuietPort implements MqttPort {
  readonly connack$ = new Subject<ConnAck>();
  readonly connectionLost$ = new Subject<void>();
  readonly incoming$ = new Subject<IncomingPublish>();
  isConnected = () => true;
  currentConnAck = () => ({ sessionPresent: false, broker: 'mqtt://measure' });
  subscribe = (requests: readonly SubscriptionRequest[]) =>
    Promise.resolve(requests.map((r) => r.qos as number));
  unsubscribe = () => Promise.resolve();
  publish = (): Promise<PublishAck> => Promise.resolve({ reasonCode: 0 });
}

const gc = (globalThis as { gc?: () => void }).gc;
function heapUsed(): number {
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

async function measureHeap(filterCount: number): Promise<number> {
  const { filters } = workload(filterCount, 0);
  const port = new QuietPort();
  const registry = new SubscriptionRegistry(port, { log: () => undefined });
  await registry.onConnected(port.currentConnAck());
  const kept: unknown[] = [];
  await settle();
  const before = heapUsed();
  const count = (): void => undefined;
  for (const filter of filters) {
    const stream = registry.observe(filter);
    kept.push(stream, stream.subscribe(count)); // one shared callback: the app's closures are not ours
  }
  await settle();
  await settle();
  const after = heapUsed();
  if (registry.liveFilterCount() !== filterCount) throw new Error('not all filters are live');
  for (const item of kept)
    if (typeof item === 'object' && item !== null && 'unsubscribe' in item)
      (item as Subscription).unsubscribe();
  registry.dispose();
  return (after - before) / filterCount;
}

/** ngx-mqtt's shape: one `filter()` per observable over one Subject, splitting filter and topic per call. */
function ngxMatch(filter: string, topic: string): boolean {
  const f = filter.split('/').reverse();
  const t = topic.split('/').reverse();
  const walk = (): boolean => {
    const level = f.pop();
    const part = t.pop();
    if (level === '#') return true;
    if (level === undefined || part === undefined) return level === undefined && part === undefined;
    if (level === '+' ? part === '' : level !== part) return false;
    return walk();
  };
  return walk();
}

function time(
  run: (topic: string) => void,
  topics: readonly string[],
): { nsPerMessage: number; timed: number } {
  const start = process.hrtime.bigint();
  let timed = 0;
  for (const topic of topics) {
    run(topic);
    timed++;
    if ((timed & 255) === 0 && Number(process.hrtime.bigint() - start) / 1e6 > BUDGET_MS) break;
  }
  return { nsPerMessage: Number(process.hrtime.bigint() - start) / timed, timed };
}

async function measureDispatch(filterCount: number) {
  const { filters, topics } = workload(filterCount, MESSAGES);
  const payload = new TextEncoder().encode('21.5');
  const port = new QuietPort();
  const registry = new SubscriptionRegistry(port, { log: () => undefined });
  await registry.onConnected(port.currentConnAck());
  let delivered = 0;
  for (const filter of filters) registry.observe(filter).subscribe(() => delivered++);
  await settle();
  const publish = (topic: string) =>
    port.incoming$.next({ topic, payload, qos: 0, retain: false, dup: false });
  time(publish, topics.slice(0, 10_000)); // warm-up
  delivered = 0;
  const ours = time(publish, topics);
  const oursDeliveries = delivered / ours.timed;
  registry.dispose();

  const subject = new Subject<string>();
  let ngxDelivered = 0;
  for (const filter of filters)
    subject.pipe(rxFilter((topic) => ngxMatch(filter, topic))).subscribe(() => ngxDelivered++);
  time((topic) => subject.next(topic), topics.slice(0, 200));
  ngxDelivered = 0;
  const ngx = time((topic) => subject.next(topic), topics);
  subject.complete();
  return { ours, oursDeliveries, ngx, ngxDeliveries: ngxDelivered / ngx.timed };
}

async function main() {
  console.log(`node ${process.version}; ${MESSAGES} messages per run; 'auto' decoding, payload "21.5"`);
  const results: Record<number, number> = {};
  for (const count of FILTER_COUNTS) {
    const heap = await measureHeap(count);
    const d = await measureDispatch(count);
    results[count] = d.ours.nsPerMessage;
    console.log(
      `${String(count).padStart(6)} filters: heap ${heap.toFixed(0)} B/subscription | registry ${d.ours.nsPerMessage.toFixed(0)} ns/msg ` +
        `(${d.oursDeliveries.toFixed(2)} deliveries/msg) | filter-per-observable ${d.ngx.nsPerMessage.toFixed(0)} ns/msg ` +
        `(${d.ngx.timed} msgs timed, ${d.ngxDeliveries.toFixed(2)} deliveries/msg) | ratio ${(d.ngx.nsPerMessage / d.ours.nsPerMessage).toFixed(0)}x`,
    );
  }
  const low = results[Math.min(...FILTER_COUNTS)];
  const high = results[Math.max(...FILTER_COUNTS)];
  if (low !== undefined && high !== undefined)
    console.log(`registry cost at the most filters / the fewest: ${(high / low).toFixed(2)}x`);
}

void main();
