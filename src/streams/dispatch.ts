/**
 * The hot path: one incoming PUBLISH → the trie → the observers of every matching filter, each with its
 * own decoding. A payload is decoded once per decoder (observers sharing a decoder share the result and,
 * when their filters carry no parameters, the message object). Also keeps the retained cache and feeds
 * `messages$` / `unmatched$`, and replays the cache to observers that join a live filter.
 *
 * With MQTT 5 Subscription Identifiers, a PUBLISH goes only to the filters whose identifiers it carries:
 * the broker sends one copy per subscription (or one copy naming several), so routing every copy to every
 * matching filter would hand `$share/g/a` the copies of `a` and overlapping filters each copy twice.
 *
 * @internal
 */
import type { Subject } from 'rxjs';
import { isList, slotHas, type Slot } from './arrays.js';
import { DecodeError } from '../connector/errors.js';
import type { MqttMessage } from '../connector/types.js';
import {
  DecodeFailure,
  PendingDecode,
  toDecoder,
  type DecodeOutcome,
  type PayloadDecoder,
} from './decode.js';
import { decode, Decoded, toMessage, type DecodeReporter } from './decoded.js';
import type { DeliveryContext, FilterEntry, Observer, Route } from './filter-entry.js';
import { InOrder, type InOrderSink } from './in-order.js';
import type { IncomingPublish } from './port.js';
import { sameBytes, SEEN_BY_ALL, type RetainedCache } from './retained-cache.js';
import { matchesTopic, NO_PARAMS, paramsOf } from './topic-match.js';
import { filterLevels, hasWildcard } from './topic-filter.js';
import { TopicLevels } from './topic-levels.js';
import type { TopicTrie } from './topic-trie.js';

const AUTO = toDecoder('auto');

/** What the dispatcher needs from the registry. */
export interface DispatchTargets extends DecodeReporter {
  readonly trie: TopicTrie<Route>;
  readonly retained: RetainedCache<FilterEntry>;
  readonly messages: Subject<MqttMessage<unknown>>;
  readonly unmatched: Subject<MqttMessage<unknown>>;
  /** Most asynchronous decodes waiting per observer. */
  readonly maxPendingDecodes: number;
  /**
   * True when the RETAIN flag of incoming messages is the publisher's (MQTT 5 subscriptions made with
   * Retain As Published): the cache then trusts it instead of guessing.
   */
  retainFlagTrusted(): boolean;
}

/** Routes incoming messages; see the module documentation. */
export class Dispatcher {
  /** Live messages' topic levels, split once per topic while it keeps coming (see topic-levels.ts). */
  private readonly levels = new TopicLevels();

  constructor(private readonly targets: DispatchTargets) {}

  /** Delivers one incoming PUBLISH. */
  dispatch(publish: IncomingPublish): void {
    const { trie, messages, unmatched } = this.targets;
    const levels = this.levels.of(publish.topic);
    const matched: Route[] = [];
    trie.match(levels, matched);
    const identifiers = publish.properties?.subscriptionIdentifier;
    // Routed by identifiers: only the subscriptions it names got this copy (else: all that match the topic).
    const identified =
      identifiers !== undefined && matched.length > 0 && keepIdentified(matched, identifiers);
    const tapped = messages.observed || (matched.length === 0 && unmatched.observed);
    if (matched.length === 0 && !tapped) return;
    // What the cache held before this message: the stamp of a payload this retained message repeats byte
    // for byte (or -1) and who got that payload, and which subscriptions already received a retained
    // message on the topic.
    const trusted = this.targets.retainFlagTrusted();
    let before = NOTHING_BEFORE;
    if (matched.length > 0 && (publish.retain || !trusted)) {
      const record = this.targets.retained.get(publish.topic);
      // Only a retained message on a cached topic needs to know (one small object for it).
      if (publish.retain && record !== undefined) {
        const repeats = sameBytes(record.message.payload, publish.payload);
        before = {
          stamp: repeats ? record.stamp : -1,
          seenBy: repeats ? record.seenBy : undefined,
          receivers: record.receivers,
        };
      }
      this.keepRetained(publish, matched, trusted, identified, record !== undefined);
    }
    const decoded = new Decoded(publish, this.targets);
    if (matched.length === 0 && unmatched.observed)
      unmatched.next(decoded.message(AUTO, decoded.outcome(AUTO)));
    if (messages.observed) messages.next(decoded.message(AUTO, decoded.outcome(AUTO)));
    for (const route of matched) {
      if (route.observers !== undefined) this.deliverToRoute(route, decoded, levels, trusted, before);
    }
  }

  /** Sends the cached retained messages that match its filter to an observer that joined a live filter. */
  replay(observer: Observer): void {
    const { filter } = observer.route;
    const { retained } = this.targets;
    const hits: IncomingPublish[] = [];
    if (!hasWildcard(filter)) {
      // A filter without wildcards matches one topic, itself: looked up instead of read against every cached
      // topic (about 220 µs per joining observer with 1,000 topics cached).
      const record = retained.get(filter.routeFilter);
      if (record !== undefined) hits.push(record.message);
    } else {
      const levels = filterLevels(filter);
      for (const publish of retained.values()) if (matchesTopic(levels, publish.topic)) hits.push(publish);
    }
    const decoder = observer.settings.decoder;
    for (const publish of hits) {
      if (observer.detached) return;
      const outcome = decode(decoder, publish, this.targets);
      // Split here, not through the table: a join replays up to the whole cache, topics the live stream may
      // not repeat, and their misses would count against the table (topic-levels.ts) and could make it step
      // aside for the messages that do repeat.
      const params = paramsOf(filter, publish.topic, publish.topic.split('/'));
      this.deliver(observer, outcome, publish, params, true, undefined);
    }
  }

  /**
   * Delivers to the observers of one route. A retained message is one of two kinds: the retained state
   * sent because the subscription was made, or (when the flag is trusted) a live publish that was
   * retained — the subscription already received a retained message on that topic. The first kind is
   * skipped for observers that already have that very payload; the second is reported with
   * `retain: false` unless the subscription asked for Retain As Published.
   */
  private deliverToRoute(
    route: Route,
    decoded: Decoded,
    levels: readonly string[],
    trusted: boolean,
    before: CacheBefore,
  ): void {
    const publish = decoded.publish;
    const params = paramsOf(route.filter, publish.topic, levels);
    const entry = route.entry;
    let retain = publish.retain;
    // The stamp of the cached payload this message repeats, when it is state sent again (else -1).
    let repeated = -1;
    let entrySaw = false;
    if (retain) {
      const live = trusted && (entry.retainHandling === 2 || slotHas(before.receivers, entry));
      if (live) retain = entry.retainAsPublished;
      else if (before.stamp >= 0) {
        repeated = before.stamp;
        entrySaw = before.seenBy === SEEN_BY_ALL || slotHas(before.seenBy, entry);
      }
    }
    const shared = params === NO_PARAMS && retain === publish.retain;
    let lastDecoder: PayloadDecoder | undefined;
    let lastMessage: MqttMessage<unknown> | undefined;
    // A route holds one observer as is, several in an array (see Slot): no array per single observer.
    const observers = route.observers;
    const list = observers !== undefined && isList(observers) ? observers : undefined;
    const count = list === undefined ? 1 : list.length;
    for (let i = 0; i < count; i++) {
      const observer = (list === undefined ? observers : list[i]) as Observer;
      // Has it already: replayed when it joined after the payload was cached, else received it live.
      if (repeated >= 0 && (repeated <= observer.since ? observer.replayed : entrySaw)) continue;
      const decoder = observer.settings.decoder;
      const outcome = decoded.outcome(decoder);
      let message: MqttMessage<unknown> | undefined;
      if (!(outcome instanceof DecodeFailure) && !(outcome instanceof PendingDecode)) {
        if (shared) message = decoded.message(decoder, outcome);
        else if (decoder === lastDecoder) message = lastMessage;
        else {
          message = toMessage(publish, outcome, params, retain);
          lastDecoder = decoder;
          lastMessage = message;
        }
      }
      this.deliver(observer, outcome, publish, params, retain, message);
    }
  }

  /** Hands an outcome to one observer, in order with its earlier (possibly asynchronous) ones. */
  private deliver(
    observer: Observer,
    outcome: DecodeOutcome,
    publish: IncomingPublish,
    params: Readonly<Record<string, string>>,
    retain: boolean,
    message: MqttMessage<unknown> | undefined,
  ): void {
    if (observer.detached) return;
    if (observer.order === undefined && !(outcome instanceof PendingDecode)) {
      if (outcome instanceof DecodeFailure) this.notify(observer, outcome.error);
      else observer.subscriber.next(message ?? toMessage(publish, outcome, params, retain));
      return;
    }
    // Asynchronous from here on: keep what the message needs until its value is known.
    observer.order ??= new InOrder<DeliveryContext>(this.sinkFor(observer), this.targets.maxPendingDecodes);
    const context: DeliveryContext = { publish, params, retain };
    observer.order.push(outcome, context);
  }

  private sinkFor(observer: Observer): InOrderSink<DeliveryContext> {
    return {
      value: (value, context) => {
        if (!observer.detached)
          observer.subscriber.next(toMessage(context.publish, value, context.params, context.retain));
      },
      failure: (failure) => this.notify(observer, failure.error),
      overflow: (context) => {
        const { topic, payload } = context.publish;
        const limit = this.targets.maxPendingDecodes;
        const error = new DecodeError(
          topic,
          payload,
          `skipped: ${limit} asynchronous validations already waiting for this observer`,
        );
        this.targets.report(error, observer.settings.decoder.name);
        this.notify(observer, error);
      },
    };
  }

  private notify(observer: Observer, error: DecodeError): void {
    const callback = observer.settings.onDecodeError;
    if (callback === undefined || observer.detached) return;
    try {
      callback(error);
    } catch {
      // A throwing callback must not stop the delivery to the other observers.
    }
  }

  /**
   * Keeps the retained state of topics that live filters match. A retained message (or an empty one,
   * which clears) sets it. When the flag is trusted (MQTT 5, Retain As Published), nothing else does.
   * Otherwise (MQTT 3.1.1) a live message on a topic with cached state replaces it too: the broker
   * clears the retain flag when forwarding, so a new retained value arrives looking exactly like this.
   */
  private keepRetained(
    publish: IncomingPublish,
    matched: readonly Route[],
    trusted: boolean,
    identified: boolean,
    cached: boolean,
  ): void {
    if (!publish.retain && !cached) return;
    const cache = this.targets.retained;
    const record = cache.set(publish);
    if (record === undefined) return;
    // Who got this payload: by topic, every subscription that matches it; by identifier, those named.
    if (!identified) record.seenBy = SEEN_BY_ALL;
    else for (const route of matched) cache.addSeen(record, route.entry);
    if (trusted && publish.retain) for (const route of matched) cache.addReceiver(record, route.entry);
  }
}

/**
 * Keeps (in place) the routes of the subscriptions whose identifiers the message carries, and returns
 * true. When it names none of them (a subscription of an earlier session, made with other identifiers),
 * the routes all stay and it returns false: routing falls back to the topic.
 */
function keepIdentified(matched: Route[], identifiers: number | readonly number[]): boolean {
  let kept = 0;
  for (let i = 0; i < matched.length; i++) {
    const route = matched[i] as Route;
    const id = route.entry.id;
    if (typeof identifiers === 'number' ? id === identifiers : identifiers.includes(id))
      matched[kept++] = route;
  }
  if (kept === 0) return false;
  matched.length = kept;
  return true;
}

/** What the cache held for a topic before a retained message on it (see `dispatch`). */
interface CacheBefore {
  /** Stamp of the cached payload when the message repeats it byte for byte, else -1. */
  readonly stamp: number;
  /** Who got that payload. */
  readonly seenBy: Slot<FilterEntry> | typeof SEEN_BY_ALL;
  /** Subscriptions that already received a retained message on the topic. */
  readonly receivers: Slot<FilterEntry>;
}

/** A live message, or a topic without cached state (shared). */
const NOTHING_BEFORE: CacheBefore = Object.freeze({ stamp: -1, seenBy: undefined, receivers: undefined });
