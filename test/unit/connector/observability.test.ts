import { TestScheduler } from 'rxjs/testing';
import { pairwise, startWith } from 'rxjs';
import { connectionStates } from '../../../src/connector/connection-states';
import { ConnectionFailedError, ConnectionLostError } from '../../../src/connector/errors';
import type { ConnectorEvent } from '../../../src/connector/events';
import { Observability } from '../../../src/connector/observability';
import type { ConnectionState } from '../../../src/connector/types';
import type { ConnAck, MqttPort } from '../../../src/streams/port';

const reconnect = { initialDelay: 10, maxDelay: 40, multiplier: 2, jitter: 'none' as const, maxRetries: -1 };
const brokerA = { url: 'mqtt://a:1883' };
const brokerB = { url: 'mqtt://b:1883' };
const noCounts = { queued: 0, inFlight: 0, liveFilters: 0 };
const idle: ConnectionState = { status: 'idle', attempt: 0, broker: brokerA.url, since: 0 };

/**
 * The connection's state machine feeding {@link Observability}, as the connector wires them, in virtual
 * time. Each script is one attempt's marble: `c` = CONNACK accepted, `f` = the attempt fails, `l` = the
 * connection drops. Returns the connection events as "frame type attempt broker" lines.
 */
function connectionEvents(
  scripts: string[],
  options: { maxRetries?: number; brokers?: { url: string }[]; sampleAt?: number[] } = {},
): string[] {
  const scheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  const lines: string[] = [];
  scheduler.run(() => {
    let attempts = 0;
    const attempt = (broker: { url: string }) => {
      const script = scripts[Math.min(attempts++, scripts.length - 1)] as string;
      const error = script.includes('l')
        ? new ConnectionLostError('socket closed')
        : new ConnectionFailedError('ECONNREFUSED');
      return scheduler.createColdObservable<ConnAck>(
        script.replace(/[fl]/, '#'),
        { c: { sessionPresent: false, broker: broker.url } },
        error,
      );
    };
    const observability = new Observability(scheduler);
    observability.events$.subscribe((event) => lines.push(summary(event)));
    connectionStates(attempt, {
      brokers: options.brokers ?? [brokerA],
      reconnect: { ...reconnect, maxRetries: options.maxRetries ?? -1 },
      scheduler,
    })
      .pipe(startWith(idle), pairwise())
      .subscribe(([previous, state]) => observability.onState(state, previous));
    for (const frame of options.sampleAt ?? []) {
      scheduler.schedule(() => {
        const { currentOutageMs, longestOutageMs, reconnects } = observability.snapshot(noCounts);
        lines.push(`${frame} outage ${currentOutageMs} longest ${longestOutageMs} reconnects ${reconnects}`);
      }, frame);
    }
  });
  return lines;
}

function summary(event: ConnectorEvent): string {
  const broker = 'broker' in event ? (event.broker === brokerA.url ? ' a' : ' b') : '';
  switch (event.type) {
    case 'attempt':
      return `${event.time} attempt ${event.attempt}${broker}`;
    case 'backoff':
      return `${event.time} backoff ${event.attempt} @${event.delayMs}`;
    case 'disconnected':
      return `${event.time} disconnected ${event.reason}`;
    default:
      return `${event.time} ${event.type}${broker}`;
  }
}

describe('events$ of the connection (virtual time)', () => {
  it('emits an attempt event for the first attempt and for every retry, numbered 0..n', () => {
    expect(connectionEvents(['f', 'f', 'f', '-c'])).toEqual([
      '0 attempt 0 a',
      '0 backoff 1 @10',
      '10 attempt 1 a',
      '10 backoff 2 @20',
      '30 attempt 2 a',
      '30 backoff 3 @40',
      '70 attempt 3 a',
      '71 connected a',
    ]);
  });

  it('numbers the retries of each outage from 1 again, on the broker each one goes to', () => {
    expect(connectionEvents(['c-l', 'f', 'c'], { brokers: [brokerA, brokerB] })).toEqual([
      '0 attempt 0 a',
      '0 connected a',
      '2 disconnected lost',
      '2 backoff 1 @10',
      '12 attempt 1 b',
      '12 backoff 2 @20',
      '32 attempt 2 a',
      '32 connected a',
    ]);
  });

  it('ends with the attempt that exhausts the retries, then disconnected failed', () => {
    expect(connectionEvents(['f'], { maxRetries: 2 })).toEqual([
      '0 attempt 0 a',
      '0 backoff 1 @10',
      '10 attempt 1 a',
      '10 backoff 2 @20',
      '30 attempt 2 a',
      '30 disconnected failed',
    ]);
  });

  it('measures the current outage while it lasts, and the longest one once connected again', () => {
    expect(connectionEvents(['c-l', 'f', 'f', 'c-l', 'c'], { sampleAt: [1, 20, 50, 80, 83, 100] })).toEqual([
      '0 attempt 0 a',
      '0 connected a',
      '1 outage 0 longest 0 reconnects 0',
      '2 disconnected lost',
      '2 backoff 1 @10',
      '12 attempt 1 a',
      '12 backoff 2 @20',
      '20 outage 18 longest 18 reconnects 0',
      '32 attempt 2 a',
      '32 backoff 3 @40',
      '50 outage 48 longest 48 reconnects 0',
      '72 attempt 3 a',
      '72 connected a',
      '74 disconnected lost',
      '74 backoff 1 @10',
      '80 outage 6 longest 70 reconnects 1',
      '83 outage 9 longest 70 reconnects 1',
      '84 attempt 1 a',
      '84 connected a',
      '100 outage 0 longest 70 reconnects 2',
    ]);
  });
});

/** A QoS 1 publish's result once its PUBACK came. */
const ACKNOWLEDGED = {
  topic: 't',
  qos: 1,
  retain: false,
  bytes: 1,
  status: 'acknowledged',
  reasonCode: 0,
} as const;

describe('publish counters on the hot path', () => {
  /** A scheduler whose clock counts its reads. */
  function countingClock(): { scheduler: TestScheduler; reads: () => number } {
    const scheduler = new TestScheduler(() => undefined);
    const now = scheduler.now.bind(scheduler);
    let reads = 0;
    scheduler.now = () => {
      reads++;
      return now();
    };
    return { scheduler, reads: () => reads };
  }

  it('counts publishes without reading the clock or building events while events$ is unobserved', () => {
    const { scheduler, reads } = countingClock();
    const observability = new Observability(scheduler);
    for (let i = 0; i < 3; i++) {
      observability.trackPublish('t', 1);
      observability.publishSettled('t', 1, ACKNOWLEDGED, undefined);
    }
    observability.trackPublish('t', 0);
    observability.publishSettled('t', 0, undefined, new ConnectionLostError('gone'));
    expect(reads()).toBe(0);
    const metrics = observability.snapshot(noCounts);
    expect([metrics.published, metrics.acknowledged, metrics.failed]).toEqual([4, 3, 1]);
  });

  it('stamps each publish event with the clock once events$ is observed', () => {
    const { scheduler, reads } = countingClock();
    const observability = new Observability(scheduler);
    const events: ConnectorEvent[] = [];
    observability.events$.subscribe((event) => events.push(event));
    observability.trackPublish('t', 1);
    observability.publishSettled('t', 1, undefined, new ConnectionLostError('gone'));
    expect(events.map((event) => [event.type, event.time])).toEqual([
      ['publish-queued', 0],
      ['publish-failed', 0],
    ]);
    expect(reads()).toBe(2);
  });

  it('builds the three events of a publish with exactly their documented fields, time included', async () => {
    const { scheduler } = countingClock();
    const observability = new Observability(scheduler);
    const sends: string[] = [];
    const port = observability.observePort({
      publish: (topic: string) => {
        sends.push(topic);
        return Promise.resolve();
      },
    } as unknown as MqttPort);
    const events: ConnectorEvent[] = [];
    observability.events$.subscribe((event) => events.push(event));
    observability.trackPublish('t', 1);
    await port.publish('t', new Uint8Array(1), { qos: 1, retain: false });
    observability.publishSettled('t', 1, ACKNOWLEDGED, undefined);
    expect(sends).toEqual(['t']);
    // Plain objects, key for key: what a subscriber logs or serialises.
    expect(events).toStrictEqual([
      { type: 'publish-queued', topic: 't', qos: 1, time: 0 },
      { type: 'publish-sent', topic: 't', qos: 1, time: 0 },
      { type: 'publish-acked', topic: 't', qos: 1, status: 'acknowledged', time: 0 },
    ]);
    expect(events.map((event) => Object.keys(event).join())).toEqual([
      'type,topic,qos,time',
      'type,topic,qos,time',
      'type,topic,qos,status,time',
    ]);
  });
});
