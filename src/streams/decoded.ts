/**
 * The decodings of one incoming message, computed on first use and shared by every observer with the
 * same decoder (and, for observers whose filters carry no parameters, the message object too).
 *
 * @internal
 */
import type { DecodeError } from '../connector/errors.js';
import type { MqttMessage } from '../connector/types.js';
import { DecodeFailure, PendingDecode, type DecodeOutcome, type PayloadDecoder } from './decode.js';
import type { IncomingPublish } from './port.js';
import { NO_PARAMS } from './topic-match.js';

/** Where decode failures are reported. */
export interface DecodeReporter {
  /** Reports a decode error once (errors$ and the log). */
  report(error: DecodeError, decoder: string): void;
}

/** The message an observer receives. */
export function toMessage(
  publish: IncomingPublish,
  payload: unknown,
  params: Readonly<Record<string, string>>,
  retain: boolean,
): MqttMessage<unknown> {
  return {
    topic: publish.topic,
    payload,
    raw: publish.payload,
    qos: publish.qos,
    retain,
    dup: publish.dup,
    params,
    properties: publish.properties,
  };
}

/** Decodes, and reports a failure (now, or when an asynchronous validation settles). */
export function decode(
  decoder: PayloadDecoder,
  publish: IncomingPublish,
  reporter: DecodeReporter,
): DecodeOutcome {
  const outcome = decoder.decode(publish.payload, publish.topic);
  if (outcome instanceof DecodeFailure) reporter.report(outcome.error, decoder.name);
  else if (outcome instanceof PendingDecode) {
    void outcome.result.then((settled) => {
      if (settled instanceof DecodeFailure) reporter.report(settled.error, decoder.name);
    });
  }
  return outcome;
}

/** See the module documentation. A failure is reported once per decoder. */
export class Decoded {
  private decoder0: PayloadDecoder | undefined;
  private outcome0: DecodeOutcome;
  private message0: MqttMessage<unknown> | undefined;
  private more:
    Map<PayloadDecoder, { outcome: DecodeOutcome; message: MqttMessage<unknown> | undefined }> | undefined;

  constructor(
    readonly publish: IncomingPublish,
    private readonly reporter: DecodeReporter,
  ) {}

  outcome(decoder: PayloadDecoder): DecodeOutcome {
    if (decoder === this.decoder0) return this.outcome0;
    const known = this.more?.get(decoder);
    if (known !== undefined) return known.outcome;
    const outcome = decode(decoder, this.publish, this.reporter);
    if (this.decoder0 === undefined) {
      this.decoder0 = decoder;
      this.outcome0 = outcome;
    } else {
      (this.more ??= new Map()).set(decoder, { outcome, message: undefined });
    }
    return outcome;
  }

  /**
   * The message without parameters, with the retain flag as received, for a decoder whose outcome is a
   * value (one object per decoder).
   */
  message(decoder: PayloadDecoder, outcome: DecodeOutcome): MqttMessage<unknown> {
    const publish = this.publish;
    if (decoder === this.decoder0)
      return (this.message0 ??= toMessage(publish, outcome, NO_PARAMS, publish.retain));
    const slot = this.more?.get(decoder);
    if (slot === undefined) return toMessage(publish, outcome, NO_PARAMS, publish.retain);
    return (slot.message ??= toMessage(publish, outcome, NO_PARAMS, publish.retain));
  }
}
