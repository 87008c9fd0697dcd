/**
 * The hot path: one incoming PUBLISH → the trie → the observers of every matching filter, each with its
 * own decoding. A payload is decoded once per decoder (observers sharing a decoder share the result and,
 * when their filters carry no parameters, the message object). Also keeps the retained cache and feeds
 * `messages$` / `unmatched$`, and replays the cache to observers that join a live filter.
 *
 * @internal
 */
import type { Subject } from 'rxjs';
import { isList } from './arrays.js';
import { DecodeError } from '../connector/errors.js';
import type { MqttMessage } from '../connector/types.js';
import {
  DecodeFailure,
  PendingDecode,
  toDecoder,
  type DecodeOutcome,
  type PayloadDecoder,
} from './decode.js';
import type { DeliveryContext, Observer, Route } from './filter-entry.js';
import { InOrder, type InOrderSink } from './in-order.js';
import type { IncomingPublish } from './port.js';
import type { RetainedCache } from './retained-cache.js';
import { matchesLevels, NO_PARAMS, paramsOf } from './topic-match.js';
import { filterLevels } from './topic-filter.js';
import type { TopicTrie } from './topic-trie.js';

const AUTO = toDecoder('auto');

/** What the dispatcher needs from the registry. */
export interface DispatchTargets {
  readonly trie: TopicTrie<Route>;
  readonly retained: RetainedCache;
  readonly messages: Subject<MqttMessage<unknown>>;
  readonly unmatched: Subject<MqttMessage<unknown>>;
  /** Reports a decode error once (errors$ and the log). */
  report(error: DecodeError, decoder: string): void;
  /** Most asynchronous decodes waiting per observer. */
  readonly maxPendingDecodes: number;
}

function toMessage(
  publish: IncomingPublish,
  payload: unknown,
  params: Readonly<Record<string, string>>,
): MqttMessage<unknown> {
  return {
    topic: publish.topic,
    payload,
    raw: publish.payload,
    qos: publish.qos,
    retain: publish.retain,
    dup: publish.dup,
    params,
    properties: publish.properties,
  };
}

/** The decodings of one message, computed on first use; a failure is reported once per decoder. */
class Decoded {
  private decoder0: PayloadDecoder | undefined;
  private outcome0: DecodeOutcome;
  private message0: MqttMessage<unknown> | undefined;
  private more:
    Map<PayloadDecoder, { outcome: DecodeOutcome; message: MqttMessage<unknown> | undefined }> | undefined;

  constructor(
    readonly publish: IncomingPublish,
    private readonly targets: DispatchTargets,
  ) {}

  outcome(decoder: PayloadDecoder): DecodeOutcome {
    if (decoder === this.decoder0) return this.outcome0;
    const known = this.more?.get(decoder);
    if (known !== undefined) return known.outcome;
    const outcome = decode(decoder, this.publish, this.targets);
    if (this.decoder0 === undefined) {
      this.decoder0 = decoder;
      this.outcome0 = outcome;
    } else {
      (this.more ??= new Map()).set(decoder, { outcome, message: undefined });
    }
    return outcome;
  }

  /** The message without parameters for a decoder whose outcome is a value (one object per decoder). */
  message(decoder: PayloadDecoder, outcome: DecodeOutcome): MqttMessage<unknown> {
    if (decoder === this.decoder0) return (this.message0 ??= toMessage(this.publish, outcome, NO_PARAMS));
    const slot = this.more?.get(decoder);
    if (slot === undefined) return toMessage(this.publish, outcome, NO_PARAMS);
    return (slot.message ??= toMessage(this.publish, outcome, NO_PARAMS));
  }
}

/** Decodes, and reports a failure (now, or when an asynchronous validation settles). */
function decode(decoder: PayloadDecoder, publish: IncomingPublish, targets: DispatchTargets): DecodeOutcome {
  const outcome = decoder.decode(publish.payload, publish.topic);
  if (outcome instanceof DecodeFailure) targets.report(outcome.error, decoder.name);
  else if (outcome instanceof PendingDecode) {
    void outcome.result.then((settled) => {
      if (settled instanceof DecodeFailure) targets.report(settled.error, decoder.name);
    });
  }
  return outcome;
}

/** Routes incoming messages; see the module documentation. */
export class Dispatcher {
  constructor(private readonly targets: DispatchTargets) {}

  /** Delivers one incoming PUBLISH. */
  dispatch(publish: IncomingPublish): void {
    const { trie, messages, unmatched } = this.targets;
    const levels = publish.topic.split('/');
    const matched: Route[] = [];
    trie.match(levels, matched);
    const tapped = messages.observed || (matched.length === 0 && unmatched.observed);
    if (matched.length === 0 && !tapped) return;
    const decoded = new Decoded(publish, this.targets);
    if (matched.length > 0) this.keepRetained(publish, matched);
    else if (unmatched.observed) unmatched.next(decoded.message(AUTO, decoded.outcome(AUTO)));
    if (messages.observed) messages.next(decoded.message(AUTO, decoded.outcome(AUTO)));
    for (const route of matched) {
      if (route.observers !== undefined) this.deliverToRoute(route, decoded, levels);
    }
  }

  /** Sends the cached retained messages that match its filter to an observer that joined a live filter. */
  replay(observer: Observer): void {
    const { filter } = observer.route;
    const hits: IncomingPublish[] = [];
    const levels = filterLevels(filter);
    for (const publish of this.targets.retained.values()) {
      if (matchesLevels(levels, publish.topic.split('/'))) hits.push(publish);
    }
    const decoder = observer.settings.decoder;
    for (const publish of hits) {
      if (observer.detached) return;
      const outcome = decode(decoder, publish, this.targets);
      const params = paramsOf(filter, publish.topic, publish.topic.split('/'));
      this.deliver(observer, outcome, publish, params, undefined);
    }
  }

  private deliverToRoute(route: Route, decoded: Decoded, levels: readonly string[]): void {
    const publish = decoded.publish;
    const params = paramsOf(route.filter, publish.topic, levels);
    let lastDecoder: PayloadDecoder | undefined;
    let lastMessage: MqttMessage<unknown> | undefined;
    // A route holds one observer as is, several in an array (see Slot): no array per single observer.
    const observers = route.observers;
    const list = observers !== undefined && isList(observers) ? observers : undefined;
    const count = list === undefined ? 1 : list.length;
    for (let i = 0; i < count; i++) {
      const observer = (list === undefined ? observers : list[i]) as Observer;
      const decoder = observer.settings.decoder;
      const outcome = decoded.outcome(decoder);
      let message: MqttMessage<unknown> | undefined;
      if (!(outcome instanceof DecodeFailure) && !(outcome instanceof PendingDecode)) {
        if (params === NO_PARAMS) message = decoded.message(decoder, outcome);
        else if (decoder === lastDecoder) message = lastMessage;
        else {
          message = toMessage(publish, outcome, params);
          lastDecoder = decoder;
          lastMessage = message;
        }
      }
      this.deliver(observer, outcome, publish, params, message);
    }
  }

  /** Hands an outcome to one observer, in order with its earlier (possibly asynchronous) ones. */
  private deliver(
    observer: Observer,
    outcome: DecodeOutcome,
    publish: IncomingPublish,
    params: Readonly<Record<string, string>>,
    message: MqttMessage<unknown> | undefined,
  ): void {
    if (observer.detached) return;
    if (observer.order === undefined && !(outcome instanceof PendingDecode)) {
      if (outcome instanceof DecodeFailure) this.notify(observer, outcome.error);
      else observer.subscriber.next(message ?? toMessage(publish, outcome, params));
      return;
    }
    // Asynchronous from here on: keep what the message needs until its value is known.
    observer.order ??= new InOrder<DeliveryContext>(this.sinkFor(observer), this.targets.maxPendingDecodes);
    const context: DeliveryContext = { publish, params };
    observer.order.push(outcome, context);
  }

  private sinkFor(observer: Observer): InOrderSink<DeliveryContext> {
    return {
      value: (value, context) => {
        if (!observer.detached) observer.subscriber.next(toMessage(context.publish, value, context.params));
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
   * which clears) sets it. A live message on a topic with cached state replaces it too: in MQTT 3.1.1 the
   * broker clears the retain flag when forwarding, so a new retained value arrives looking like this —
   * except when every matching subscription uses Retain As Published, where the flag can be trusted.
   */
  private keepRetained(publish: IncomingPublish, matched: readonly Route[]): void {
    const cache = this.targets.retained;
    if (publish.retain) {
      cache.set(publish);
      return;
    }
    if (!cache.has(publish.topic)) return;
    const flagTrusted = matched.every((route) => route.entry.retainAsPublished);
    if (!flagTrusted) cache.set(publish);
  }
}
