/**
 * Counters for `metrics()` and the typed `events$` stream. Counters are plain increments (cheap enough
 * for every message); events are built only while someone observes `events$`.
 *
 * @internal
 */
import { type Observable, type SchedulerLike, Subject } from 'rxjs';
import { merged } from '../streams/own-property.js';
import type { MqttPort } from '../streams/port.js';
import type { PublishResult } from '../streams/publish-types.js';
import type { MqttConnectorError } from './errors.js';
import type { ConnectorEvent, ConnectorMetrics } from './events.js';
import type { ConnectionState, QoS } from './types.js';

/** Distributes an event type over the union so `emit` takes the fields without `time`. */
type WithoutTime<E> = E extends ConnectorEvent ? Omit<E, 'time'> : never;

export class Observability {
  private readonly subject = new Subject<ConnectorEvent>();
  readonly events$: Observable<ConnectorEvent> = this.subject.asObservable();

  private published = 0;
  private acknowledged = 0;
  private failed = 0;
  private dropped = 0;
  private received = 0;
  private decodeFailures = 0;
  private connections = 0;
  private lostAt: number | undefined;
  private longestOutageMs = 0;
  private lastConnectedAt: number | undefined;
  /** Set while the registry restores subscriptions after a CONNACK: SUBSCRIBEs sent then are resubscribes. */
  restoring = false;

  constructor(private readonly scheduler: SchedulerLike) {}

  /** True while someone observes `events$` (the hot paths build events only then). */
  get observed(): boolean {
    return this.subject.observed;
  }

  /**
   * Emits `event` (only while observed), stamped with `time` (default: now). Hot paths (one call per
   * message) check {@link Observability.observed} before building the event, so an unobserved
   * `events$` costs them neither the object nor the clock read. Stamped through {@link merged}: a spread
   * (`{ ...event, time }`) cost about 0.8 µs per event. The three events of every publish (queued, sent,
   * acked) skip this and are built whole with their time: the copy made two more objects per event, about
   * 490 B per message of the ~5.4 KB an observed QoS 1 publish allocated (bench/ANALYSIS.md).
   */
  emit(event: WithoutTime<ConnectorEvent>, time?: number): void {
    if (this.subject.observed)
      this.subject.next(merged(event, { time: time ?? this.scheduler.now() }) as ConnectorEvent);
  }

  /** Emits a publish's `publish-queued` or `publish-sent` (call only while observed), built whole. */
  private emitPublish(type: 'publish-queued' | 'publish-sent', topic: string, qos: QoS): void {
    this.subject.next({ type, topic, qos, time: this.scheduler.now() });
  }

  /**
   * Follows the connection's states: attempts, successes, outages, backoff, failure. Events of one state
   * carry the time the outage figures use, so `longestOutageMs` equals a `connected` event's time minus
   * the `disconnected` (lost) event's time.
   */
  onState(state: ConnectionState, previous: ConnectionState): void {
    const now = this.scheduler.now();
    if (state.status === 'connected') {
      this.connections += 1;
      this.lastConnectedAt = now;
      if (this.lostAt !== undefined) this.longestOutageMs = Math.max(this.longestOutageMs, now - this.lostAt);
      this.lostAt = undefined;
      this.emit(
        { type: 'connected', broker: state.broker, sessionPresent: state.sessionPresent === true },
        now,
      );
      return;
    }
    if (previous.status === 'connected' && this.lostAt === undefined) this.lostAt = now;
    if ((state.status === 'connecting' || state.status === 'reconnecting') && state.delayMs === undefined) {
      this.emit({ type: 'attempt', broker: state.broker, attempt: state.attempt }, now);
    } else if (state.delayMs !== undefined && state.error) {
      if (previous.status === 'connected')
        this.emit({ type: 'disconnected', reason: 'lost', error: state.error }, now);
      this.emit({ type: 'backoff', attempt: state.attempt, delayMs: state.delayMs, error: state.error }, now);
    } else if (state.status === 'failed' || state.status === 'disconnected') {
      if (state.status === 'disconnected') this.lostAt = undefined;
      const reason = state.status === 'failed' ? 'failed' : 'closed';
      this.emit({ type: 'disconnected', reason, ...(state.error ? { error: state.error } : {}) }, now);
    }
  }

  /** Counts one publish that passed validation. */
  trackPublish(topic: string, qos: QoS): void {
    this.published += 1;
    if (this.subject.observed) this.emitPublish('publish-queued', topic, qos);
  }

  /** Counts the settlement of a publish counted by {@link Observability.trackPublish}. */
  publishSettled(
    topic: string,
    qos: QoS,
    result: PublishResult | undefined,
    error: MqttConnectorError | undefined,
  ): void {
    if (result !== undefined) {
      this.acknowledged += 1;
      if (this.subject.observed) {
        const time = this.scheduler.now();
        this.subject.next({ type: 'publish-acked', topic, qos, status: result.status, time });
      }
      return;
    }
    this.failed += 1;
    if (error !== undefined) {
      if (error.code === 'QUEUE_FULL') this.dropped += 1;
      if (this.subject.observed) this.emit({ type: 'publish-failed', topic, error });
    }
  }

  onReceived(): void {
    this.received += 1;
  }

  onReported(error: MqttConnectorError): void {
    if (error.code === 'DECODE_FAILED') this.decodeFailures += 1;
    this.emit({ type: 'error-reported', error });
  }

  snapshot(counts: { queued: number; inFlight: number; liveFilters: number }): ConnectorMetrics {
    const now = this.scheduler.now();
    const currentOutageMs = this.lostAt === undefined ? 0 : now - this.lostAt;
    return {
      published: this.published,
      acknowledged: this.acknowledged,
      failed: this.failed,
      dropped: this.dropped,
      queued: counts.queued,
      inFlight: counts.inFlight,
      received: this.received,
      decodeFailures: this.decodeFailures,
      reconnects: Math.max(0, this.connections - 1),
      liveFilters: counts.liveFilters,
      currentOutageMs,
      longestOutageMs: Math.max(this.longestOutageMs, currentOutageMs),
      lastConnectedAt: this.lastConnectedAt,
    };
  }

  /** The port as the data paths see it, reporting SUBSCRIBE, SUBACK, UNSUBSCRIBE and sends as events. */
  observePort<P extends MqttPort>(port: P): MqttPort {
    return {
      connack$: port.connack$,
      connectionLost$: port.connectionLost$,
      incoming$: port.incoming$,
      isConnected: () => port.isConnected(),
      currentConnAck: () => port.currentConnAck(),
      subscribe: (requests) => {
        const filters = requests.map((r) => r.filter);
        this.emit({ type: 'subscribe', filters, resubscribe: this.restoring });
        const granted = port.subscribe(requests);
        if (this.observed) {
          granted.then(
            (codes) =>
              codes.forEach((code, i) =>
                this.emit({ type: 'suback', filter: filters[i] ?? '', granted: code }),
              ),
            () => undefined,
          );
        }
        return granted;
      },
      unsubscribe: (filters) => {
        this.emit({ type: 'unsubscribe', filters });
        return port.unsubscribe(filters);
      },
      publish: (topic, payload, options) => {
        if (this.subject.observed) this.emitPublish('publish-sent', topic, options.qos);
        return port.publish(topic, payload, options);
      },
      ...(port.publishCallback
        ? {
            publishCallback: (topic, payload, options, done) => {
              if (this.subject.observed) this.emitPublish('publish-sent', topic, options.qos);
              port.publishCallback?.(topic, payload, options, done);
            },
          }
        : {}),
    };
  }
}
