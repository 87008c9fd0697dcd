/**
 * Checks the options of `subscribe()` at the call and resolves them once into {@link ObserverSettings}.
 *
 * @internal
 */
import { InvalidArgumentError, InvalidQosError } from '../connector/errors.js';
import { toDecoder } from './decode.js';
import type { ObserverSettings } from './filter-entry.js';
import type { SubscribeOptions } from './subscribe-types.js';
import type { ParsedFilter } from './topic-filter.js';

function optionalBoolean(
  options: SubscribeOptions<unknown>,
  key: 'replayRetained' | 'noLocal' | 'retainAsPublished',
): boolean | undefined {
  const value = options[key];
  if (value !== undefined && typeof value !== 'boolean') {
    throw new InvalidArgumentError(
      `Invalid subscribe option ${key}: expected a boolean, got ${typeof value}`,
    );
  }
  return value;
}

/**
 * Validates `options` for `filter`.
 *
 * @param defaultGracePeriod - ms, used when the options give none.
 * @throws {@link InvalidQosError} for a QoS other than 0, 1, 2.
 * @throws {@link InvalidArgumentError} for any other invalid option (unknown decode, negative grace
 *   period, No Local on a shared subscription, ...).
 */
export function resolveSettings(
  filter: ParsedFilter,
  options: SubscribeOptions<unknown> | undefined,
  defaultGracePeriod: number,
): ObserverSettings {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object')
    throw new InvalidArgumentError(`Invalid subscribe options: expected an object, got ${typeof options}`);
  const qos = options.qos ?? 0;
  if (qos !== 0 && qos !== 1 && qos !== 2) throw new InvalidQosError(qos);
  const gracePeriod = options.gracePeriod ?? defaultGracePeriod;
  if (typeof gracePeriod !== 'number' || !Number.isFinite(gracePeriod) || gracePeriod < 0) {
    throw new InvalidArgumentError(
      `Invalid gracePeriod ${String(gracePeriod)}: use a number of milliseconds >= 0`,
    );
  }
  const retainHandling = options.retainHandling ?? 0;
  if (retainHandling !== 0 && retainHandling !== 1 && retainHandling !== 2) {
    throw new InvalidArgumentError(`Invalid retainHandling ${String(retainHandling)}: use 0, 1 or 2`);
  }
  const onDecodeError = options.onDecodeError;
  if (onDecodeError !== undefined && typeof onDecodeError !== 'function') {
    throw new InvalidArgumentError('Invalid onDecodeError: expected a function');
  }
  const noLocal = optionalBoolean(options, 'noLocal') ?? false;
  if (noLocal && filter.shareGroup !== undefined) {
    throw new InvalidArgumentError(
      `noLocal cannot be used on a shared subscription (${filter.source}): MQTT 5 forbids it`,
    );
  }
  return {
    qos,
    decoder: toDecoder(options.decode),
    onDecodeError,
    gracePeriod,
    replayRetained: optionalBoolean(options, 'replayRetained') ?? true,
    noLocal,
    retainAsPublished: optionalBoolean(options, 'retainAsPublished') ?? false,
    retainHandling,
  };
}
