/**
 * The registry's records. One {@link FilterEntry} per broker filter (one broker subscription), holding
 * one {@link Route} per spelling of the filter (named wildcards differ only in their names), each holding
 * its {@link Observer}s (one per subscription to a `subscribe()` Observable).
 *
 * @internal
 */
import type { Subscriber, Subscription } from 'rxjs';
import type { DecodeError } from '../connector/errors.js';
import type { MqttMessage, QoS } from '../connector/types.js';
import type { PayloadDecoder } from './decode.js';
import type { Slot } from './arrays.js';
import type { InOrder } from './in-order.js';
import type { IncomingPublish, SubscriptionRequest } from './port.js';
import type { RetainHandling } from './subscribe-types.js';
import type { ParsedFilter } from './topic-filter.js';

/** The options of one `subscribe()` call, resolved once and shared by all of its subscriptions. */
export interface ObserverSettings {
  readonly qos: QoS;
  readonly decoder: PayloadDecoder;
  readonly onDecodeError: ((error: DecodeError) => void) | undefined;
  readonly gracePeriod: number;
  readonly replayRetained: boolean;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: RetainHandling;
}

/** What an observer needs to build a message whose payload was decoded asynchronously. */
export interface DeliveryContext {
  readonly publish: IncomingPublish;
  readonly params: Readonly<Record<string, string>>;
  /** The `retain` flag reported to the observer. */
  readonly retain: boolean;
}

/** How SUBSCRIBE requests are made on the current connection. */
export interface SubscribeMode {
  /** Send Retain As Published whatever the observers asked (MQTT 5 with the retained cache on). */
  readonly retainAsPublished: boolean;
  /** Send each entry's Subscription Identifier (MQTT 5, when the broker supports them). */
  readonly identifiers: boolean;
}

/** Whoever attached an {@link Observer}; called back when its subscriber unsubscribes. */
export interface ObserverOwner {
  detach(observer: Observer): void;
}

/**
 * One subscription to a `subscribe()` Observable. It is also the subscription's teardown
 * (`unsubscribe()`), which saves a closure per subscription.
 */
export class Observer {
  /** Set once it left (unsubscribed, errored by a refusal, or disposed): nothing is delivered any more. */
  detached = false;
  /** Created on the first asynchronous decode; keeps this observer's messages in order. */
  order: InOrder<DeliveryContext> | undefined = undefined;
  /**
   * What of the retained cache this observer has seen: every record whose payload changed after
   * `since` (the cache's clock when it attached) reached it live; with `replayed`, so did every record
   * cached before (it got them replayed). Lets the dispatcher skip a retained message the broker sends
   * again with the same payload (after a reconnect without session, a QoS upgrade) for this observer.
   */
  since = 0;
  replayed = false;

  constructor(
    readonly subscriber: Subscriber<MqttMessage<unknown>>,
    readonly settings: ObserverSettings,
    readonly route: Route,
    private readonly owner: ObserverOwner,
  ) {}

  /** The teardown RxJS runs when the subscriber unsubscribes. */
  unsubscribe(): void {
    this.owner.detach(this);
  }
}

/** One spelling of a filter: its parsed levels and parameter names, and its observers. */
export class Route {
  /** Its observers (copy-on-write, see {@link Slot}). */
  observers: Slot<Observer> = undefined;

  constructor(
    readonly filter: ParsedFilter,
    readonly entry: FilterEntry,
  ) {}
}

/** Waiting for the SUBACK of a filter: see `SubscriptionRegistry.whenSubscribed`. */
export interface SubackWaiter {
  resolve(granted: QoS): void;
  reject(error: Error): void;
}

/** One broker subscription (one filter in SUBSCRIBE), shared by every route and observer of it. */
export class FilterEntry {
  /** Its routes (usually one). */
  routes: Slot<Route> = undefined;
  /** Observers attached, over all routes. */
  refCount = 0;
  /** The QoS asked of the broker: the highest any observer asked; raised, never lowered. */
  qos: QoS;
  /** The MQTT 5 options in one number (see {@link packOptions}): one field instead of three per filter. */
  private options: number;
  /** Longest grace period any of its observers asked for. */
  gracePeriod: number;
  /** Highest QoS sent in a SUBSCRIBE on the current connection (or acknowledged in the current session). */
  sentQos: QoS | undefined = undefined;
  /** Highest QoS whose SUBACK arrived in the current broker session. */
  ackedQos: QoS | undefined = undefined;
  /** What the broker granted in its last SUBACK for this filter. */
  granted: QoS | undefined = undefined;
  /** Refused, retired or disposed: no longer in the registry. */
  removed = false;
  graceTimer: Subscription | undefined = undefined;
  waiters: SubackWaiter[] | undefined = undefined;
  /**
   * MQTT 5 Subscription Identifier, or 0 before its first SUBSCRIBE on a connection that uses them: then
   * fixed for the entry's life, so every SUBSCRIBE of it sends the same (see `IdentifierGroups`).
   */
  id = 0;

  constructor(
    readonly filter: string,
    settings: ObserverSettings,
  ) {
    this.qos = settings.qos;
    this.options = packOptions(settings);
    this.gracePeriod = settings.gracePeriod;
  }

  /** MQTT 5 No Local. */
  get noLocal(): boolean {
    return (this.options & 1) !== 0;
  }

  /** MQTT 5 Retain As Published. */
  get retainAsPublished(): boolean {
    return (this.options & 2) !== 0;
  }

  /** MQTT 5 Retain Handling. */
  get retainHandling(): RetainHandling {
    return (this.options >> 2) as RetainHandling;
  }

  /** True when the current QoS still has to be sent on this connection. */
  needsSubscribe(): boolean {
    return this.sentQos === undefined || this.sentQos < this.qos;
  }

  /** True when the broker acknowledged the current QoS in this session. */
  isAcknowledged(): boolean {
    return this.ackedQos !== undefined && this.ackedQos >= this.qos;
  }

  /** True when `settings` asks for the same MQTT 5 subscription options. */
  sameOptions(settings: ObserverSettings): boolean {
    return this.options === packOptions(settings);
  }

  /** Takes over the MQTT 5 options of `settings`. */
  adoptOptions(settings: ObserverSettings): void {
    this.options = packOptions(settings);
  }

  /** The SUBSCRIBE entry for the current options on a connection using `mode`. */
  request(mode: SubscribeMode): SubscriptionRequest {
    const request: { -readonly [K in keyof SubscriptionRequest]: SubscriptionRequest[K] } = {
      filter: this.filter,
      qos: this.qos,
    };
    if (this.noLocal) request.noLocal = true;
    if (this.retainAsPublished || mode.retainAsPublished) request.retainAsPublished = true;
    if (this.retainHandling !== 0) request.retainHandling = this.retainHandling;
    if (mode.identifiers) request.subscriptionIdentifier = this.id;
    return request;
  }
}

/** No Local in bit 0, Retain As Published in bit 1, Retain Handling in bits 2-3. */
function packOptions(settings: ObserverSettings): number {
  return (settings.noLocal ? 1 : 0) | (settings.retainAsPublished ? 2 : 0) | (settings.retainHandling << 2);
}
