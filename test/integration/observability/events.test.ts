import { filter, firstValueFrom } from 'rxjs';
import {
  MqttConnector,
  type ConnectorEvent,
  type LogEntry,
  type MqttConnectorOptions,
} from '../../../src/index';
import { startBroker } from '../../../src/testing/index';
import { startAedes, type EmbeddedBroker } from '../../support/aedes';

type EventOf<T extends ConnectorEvent['type']> = Extract<ConnectorEvent, { type: T }>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('events$ and metrics()', () => {
  let broker: EmbeddedBroker;
  let connectors: MqttConnector[];

  beforeEach(async () => {
    broker = await startAedes();
    connectors = [];
  });
  afterEach(async () => {
    await Promise.all(connectors.map((c) => c.disconnect({ flush: false })));
    await broker.close();
  });

  /** A connector on the test broker whose events (and log entries, at debug level) are recorded. */
  function make(options: MqttConnectorOptions = {}) {
    const logs: LogEntry[] = [];
    const connector = new MqttConnector({
      mqttBroker: broker.url,
      reconnectInterval: 30,
      maxReconnectInterval: 60,
      reconnectJitter: 'none',
      throttleInterval: 0,
      logLevel: 'debug',
      logger: (entry) => logs.push(entry),
      ...options,
    });
    connectors.push(connector);
    const events: ConnectorEvent[] = [];
    connector.events$.subscribe((e) => events.push(e));
    const ofType = <T extends ConnectorEvent['type']>(type: T) =>
      events.filter((e): e is EventOf<T> => e.type === type);
    const next = <T extends ConnectorEvent['type']>(
      type: T,
      match: (e: EventOf<T>) => boolean = () => true,
    ) =>
      firstValueFrom(
        connector.events$.pipe(filter((e): e is EventOf<T> => e.type === type && match(e as EventOf<T>))),
      );
    return { connector, events, logs, ofType, next };
  }

  /** The connection's events in order, as compact strings (the `lost` disconnect precedes its backoff). */
  function connectionFacts(events: ConnectorEvent[]): string[] {
    return events.flatMap((e) => {
      switch (e.type) {
        case 'attempt':
          return [`attempt ${e.attempt}`];
        case 'backoff':
          return [`backoff ${e.attempt} ${e.error.code}`];
        case 'connected':
          return ['connected'];
        case 'disconnected':
          return [`disconnected ${e.reason}${e.error ? ` ${e.error.code}` : ''}`];
        default:
          return [];
      }
    });
  }

  it('reports the connection, subscriptions, publishes and decode errors as typed events', async () => {
    const { connector, events } = make();
    await connector.connect();
    const received = firstValueFrom(connector.subscribe('obs/+', { qos: 1, decode: 'json' }));
    await connector.whenSubscribed('obs/+');
    await connector.publish('obs/bad', 'not json', { qos: 1 });
    await connector.publish('obs/good', { ok: true }, { qos: 1 });
    await received;

    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'attempt',
        'connected',
        'subscribe',
        'suback',
        'publish-queued',
        'publish-sent',
        'publish-acked',
        'error-reported',
      ]),
    );
    expect(events[0]).toMatchObject({ type: 'attempt', attempt: 0, broker: broker.url });
    expect(events.find((e) => e.type === 'suback')).toMatchObject({ filter: 'obs/+', granted: 1 });
    expect(events.find((e) => e.type === 'subscribe')).toMatchObject({
      filters: ['obs/+'],
      resubscribe: false,
    });
    expect(events.find((e) => e.type === 'error-reported')).toMatchObject({
      error: { code: 'DECODE_FAILED', topic: 'obs/bad' },
    });
    const acked = events.filter((e) => e.type === 'publish-acked');
    expect(acked).toHaveLength(2);
    expect(acked[0]).toMatchObject({ topic: 'obs/bad', qos: 1, status: 'acknowledged' });
    expect(events.every((e) => typeof e.time === 'number')).toBe(true);

    const metrics = connector.metrics();
    expect(metrics).toMatchObject({
      published: 2,
      acknowledged: 2,
      failed: 0,
      received: 2,
      decodeFailures: 1,
      reconnects: 0,
      liveFilters: 1,
      queued: 0,
      inFlight: 0,
      currentOutageMs: 0,
    });
    expect(metrics.lastConnectedAt).toBe(events.find((e) => e.type === 'connected')?.time);
  });

  it('emits an attempt event, with its number and broker, for the first attempt and every retry', async () => {
    await broker.close();
    const { connector, events, ofType, next } = make();
    const connecting = connector.connect();
    await next('attempt', (e) => e.attempt === 3);
    await broker.restart();
    await expect(connecting).resolves.toBe(true);

    const attempts = ofType('attempt');
    expect(attempts.length).toBeGreaterThanOrEqual(4);
    expect(attempts.map((e) => e.attempt)).toEqual(attempts.map((_, i) => i));
    expect(attempts.every((e) => e.broker === broker.url)).toBe(true);
    // Each retry starts after the wait its backoff announced; the last attempt is the one that connects.
    const facts = connectionFacts(events);
    const retries = attempts.length - 1;
    expect(facts).toEqual([
      'attempt 0',
      ...Array.from({ length: retries }, (_, i) => [
        `backoff ${i + 1} CONNECTION_FAILED`,
        `attempt ${i + 1}`,
      ]).flat(),
      'connected',
    ]);
    // Never connected before: failed first attempts are not an outage.
    expect(connector.metrics()).toMatchObject({ reconnects: 0, currentOutageMs: 0, longestOutageMs: 0 });
  });

  it('reports disconnect() as disconnected "closed", without an error', async () => {
    const { connector, events } = make();
    await connector.connect();
    await connector.disconnect();
    expect(connectionFacts(events)).toEqual(['attempt 0', 'connected', 'disconnected closed']);
    expect(events.at(-1)).not.toHaveProperty('error');
    expect(connector.metrics().currentOutageMs).toBe(0);
  });

  it('reports running out of retries as disconnected "failed", with the last error', async () => {
    await broker.close();
    const { connector, events, ofType } = make({ maxReconnectAttempts: 1 });
    await expect(connector.connect()).resolves.toBe(false);
    expect(connectionFacts(events)).toEqual([
      'attempt 0',
      'backoff 1 CONNECTION_FAILED',
      'attempt 1',
      'disconnected failed CONNECTION_FAILED',
    ]);
    expect(ofType('disconnected')[0]?.error).toBe(connector.state.error);
  });

  it('reports refused credentials as disconnected "failed" after one attempt', async () => {
    const guarded = await startBroker({ users: { svc: 'right' } });
    try {
      const { connector, events } = make({ mqttBroker: guarded.url, username: 'svc', password: 'wrong' });
      await expect(connector.connect()).resolves.toBe(false);
      expect(connectionFacts(events)).toEqual(['attempt 0', 'disconnected failed CONNECTION_REFUSED']);
    } finally {
      await guarded.stop();
    }
  });

  it('reports UNSUBSCRIBE when the last observer of a filter leaves', async () => {
    const { connector, next } = make();
    await connector.connect();
    const subscription = connector.subscribe('obs/u/#').subscribe();
    await connector.whenSubscribed('obs/u/#');
    expect(connector.metrics().liveFilters).toBe(1);
    const unsubscribed = next('unsubscribe');
    const brokerSaw = new Promise<string[]>((resolve) =>
      broker.broker.once('unsubscribe', (filters) => resolve(filters)),
    );
    subscription.unsubscribe();
    await expect(unsubscribed).resolves.toMatchObject({ type: 'unsubscribe', filters: ['obs/u/#'] });
    await expect(brokerSaw).resolves.toEqual(['obs/u/#']);
    expect(connector.metrics().liveFilters).toBe(0);
  });

  it('reports a refused publish on overflow (policy "error") as publish-failed QUEUE_FULL', async () => {
    const { connector, ofType } = make({ maxQueued: { messages: 2 } });
    const queued = [connector.publish('q/a', 1), connector.publish('q/b', 2)];
    await expect(connector.publish('q/c', 3)).rejects.toMatchObject({ code: 'QUEUE_FULL' });

    expect(ofType('publish-queued').map((e) => e.topic)).toEqual(['q/a', 'q/b', 'q/c']);
    expect(ofType('publish-failed')).toEqual([
      expect.objectContaining({ topic: 'q/c', error: expect.objectContaining({ code: 'QUEUE_FULL' }) }),
    ]);
    expect(connector.metrics()).toMatchObject({ published: 3, queued: 2, failed: 1, dropped: 1 });

    await connector.connect();
    await Promise.all(queued);
    expect(ofType('publish-acked').map((e) => `${e.topic} ${e.status}`)).toEqual([
      'q/a written',
      'q/b written',
    ]);
    expect(connector.metrics()).toMatchObject({ acknowledged: 2, queued: 0, failed: 1, dropped: 1 });
  });

  it('reports the dropped oldest publish (policy "dropOldest") and the ones disconnect() rejects', async () => {
    const { connector, ofType } = make({ maxQueued: { messages: 2 }, overflow: 'dropOldest' });
    const a = connector.publish('q/a', 1);
    const b = connector.publish('q/b', 2);
    const c = connector.publish('q/c', 3);
    await expect(a).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    expect(ofType('publish-failed').map((e) => `${e.topic} ${e.error.code}`)).toEqual(['q/a QUEUE_FULL']);

    await connector.disconnect({ flush: false });
    await expect(b).rejects.toMatchObject({ code: 'CLOSED' });
    await expect(c).rejects.toMatchObject({ code: 'CLOSED' });
    expect(ofType('publish-failed').map((e) => `${e.topic} ${e.error.code}`)).toEqual([
      'q/a QUEUE_FULL',
      'q/b CLOSED',
      'q/c CLOSED',
    ]);
    expect(connector.metrics()).toMatchObject({ published: 3, failed: 3, dropped: 1, queued: 0 });
  });

  it('reports a drop, the backoff, the resubscribe, and measures the outage', async () => {
    const { connector, events, ofType, next } = make();
    await connector.connect();
    connector.subscribe('obs/x', { qos: 1 }).subscribe();
    await connector.whenSubscribed('obs/x');
    expect(connector.metrics().currentOutageMs).toBe(0);
    events.length = 0;

    const lost = next('disconnected');
    await broker.close();
    expect(await lost).toMatchObject({ reason: 'lost', error: { code: 'CONNECTION_LOST' } });
    await sleep(20);
    const early = connector.metrics().currentOutageMs;
    await sleep(20);
    const later = connector.metrics();
    expect(early).toBeGreaterThan(0);
    expect(later.currentOutageMs).toBeGreaterThan(early);
    expect(later.longestOutageMs).toBe(later.currentOutageMs);

    const connected = next('connected');
    await broker.restart();
    await connected;
    await connector.whenSubscribed('obs/x');

    expect(connectionFacts(events).slice(0, 3)).toEqual([
      'disconnected lost CONNECTION_LOST',
      'backoff 1 CONNECTION_LOST',
      'attempt 1',
    ]);
    expect(connectionFacts(events).at(-1)).toBe('connected');
    expect(events.find((e) => e.type === 'subscribe')).toMatchObject({
      filters: ['obs/x'],
      resubscribe: true,
    });
    const metrics = connector.metrics();
    const outage = (ofType('connected')[0]?.time ?? NaN) - (ofType('disconnected')[0]?.time ?? NaN);
    expect(metrics).toMatchObject({ reconnects: 1, currentOutageMs: 0, longestOutageMs: outage });
    expect(metrics.longestOutageMs).toBeGreaterThanOrEqual(later.currentOutageMs);
  });

  it('carries the facts the log callback hears: every state change and publish failure logged is an event', async () => {
    await broker.close();
    const { connector, events, logs, next } = make({ maxQueued: { messages: 1 } });
    const first = connector.publish('q/a', 'first', { qos: 1 });
    await expect(connector.publish('q/b', 'refused')).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    const connecting = connector.connect();
    await next('attempt', (e) => e.attempt === 2);
    await broker.restart();
    await expect(connecting).resolves.toBe(true);
    await first;
    const decodeFailed = next('error-reported');
    connector.subscribe('obs/json', { decode: 'json' }).subscribe({ error: () => undefined });
    await connector.whenSubscribed('obs/json');
    await broker.publish('obs/json', 'not json');
    await decodeFailed;
    const lost = next('backoff');
    await broker.close();
    await lost;
    const stranded = connector.publish('q/c', 'stranded');
    await expect(connector.publish('q/d', 'refused')).rejects.toMatchObject({ code: 'QUEUE_FULL' });
    await connector.disconnect();
    await expect(stranded).rejects.toMatchObject({ code: 'CLOSED' });

    // State changes: the log entries and the events tell the same story, one to one.
    const stateLogs = logs.filter((entry) => 'status' in entry.context && 'attempt' in entry.context);
    expect(stateLogs.map(logFact)).toEqual(
      events.flatMap((e) => {
        const fact = eventFact(e);
        return fact && !(e.type === 'disconnected' && e.reason === 'lost') ? [fact] : [];
      }),
    );
    expect(stateLogs.length).toBeGreaterThanOrEqual(8);

    // Publish failures and decode errors: each log entry has its event.
    const failureLogs = logs.filter((entry) =>
      /Offline queue full|Publish pipeline closed|refused by the broker limits|could not be decoded/.test(
        entry.message,
      ),
    );
    expect(failureLogs.map((entry) => entry.message)).toEqual([
      'Offline queue full: refusing new publishes (QUEUE_FULL)',
      'A payload could not be decoded; the message was skipped for that decoder',
      'Offline queue full: refusing new publishes (QUEUE_FULL)',
      'Publish pipeline closed: rejecting pending publishes',
    ]);
    const failed = events.filter((e) => e.type === 'publish-failed' || e.type === 'error-reported');
    for (const entry of failureLogs) {
      const { topic, code, pending, queued } = entry.context as {
        topic?: string;
        code?: string;
        pending?: number;
        queued?: number;
      };
      if (entry.message.startsWith('Publish pipeline closed')) {
        const closed = failed.filter((e) => e.error.code === code);
        expect(closed).toHaveLength((pending ?? 0) + (queued ?? 0));
      } else {
        const expectedCode = code ?? 'QUEUE_FULL';
        expect(failed.some((e) => topicOf(e) === topic && e.error.code === expectedCode)).toBe(true);
      }
    }
    expect(failed.map((e) => `${e.type} ${topicOf(e)} ${e.error.code}`)).toEqual([
      'publish-failed q/b QUEUE_FULL',
      'error-reported obs/json DECODE_FAILED',
      'publish-failed q/d QUEUE_FULL',
      'publish-failed q/c CLOSED',
    ]);
  });
});

/** The topic a publish failure or a reported error (a decode error's) is about. */
function topicOf(event: EventOf<'publish-failed' | 'error-reported'>): string | undefined {
  if (event.type === 'publish-failed') return event.topic;
  const { error } = event;
  return 'topic' in error && typeof error.topic === 'string' ? error.topic : undefined;
}

/** What a state log entry says, in the words of {@link eventFact}. */
function logFact(entry: LogEntry): string {
  const context = entry.context as {
    status: string;
    attempt: number;
    broker: string;
    delayMs?: number;
    sessionPresent?: boolean;
    error?: { code: string };
  };
  switch (context.status) {
    case 'connected':
      return `connected ${context.broker} ${String(context.sessionPresent)}`;
    case 'failed':
      return `disconnected failed ${context.error?.code ?? ''}`;
    case 'disconnected':
      return 'disconnected closed';
    default:
      return context.delayMs === undefined
        ? `attempt ${context.attempt} ${context.broker}`
        : `backoff ${context.attempt} ${context.delayMs} ${context.error?.code ?? ''}`;
  }
}

/** What a connection event says, or undefined for the other events. */
function eventFact(event: ConnectorEvent): string | undefined {
  switch (event.type) {
    case 'connected':
      return `connected ${event.broker} ${String(event.sessionPresent)}`;
    case 'disconnected':
      return event.reason === 'closed'
        ? 'disconnected closed'
        : `disconnected ${event.reason} ${event.error?.code ?? ''}`;
    case 'attempt':
      return `attempt ${event.attempt} ${event.broker}`;
    case 'backoff':
      return `backoff ${event.attempt} ${event.delayMs} ${event.error.code}`;
    default:
      return undefined;
  }
}
