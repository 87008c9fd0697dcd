/**
 * {@link PublishPipelineOptions} checked and completed with their defaults, plus the error mapping the
 * pipeline applies to whatever reaches a publish promise.
 *
 * @internal
 */
import { InvalidOptionsError, MqttConnectorError, PublishFailedError } from '../connector/errors.js';
import type { Encoder, OverflowPolicy } from '../connector/types.js';
import { DEFAULT_QUEUE_LIMITS } from './offline-queue.js';
import { isInterval, type PacingSettings } from './pacing.js';
import type { RequestContext } from './publish-request.js';
import type { PublishPipelineOptions, QueueLimits } from './publish-types.js';

/** Default `throttleInterval` (ms), the connector's. */
export const DEFAULT_THROTTLE_INTERVAL = 100;
/** Default bound of unfinished QoS 0 writes. */
export const DEFAULT_MAX_PENDING_WRITES = 100;

/** Resolved pipeline settings. */
export interface PipelineSettings {
  readonly context: RequestContext;
  readonly pacing: PacingSettings;
  readonly limits: QueueLimits;
  readonly overflow: OverflowPolicy;
  readonly maxInFlight: number | undefined;
  readonly maxPendingWrites: number;
}

/** @throws InvalidOptionsError naming the first invalid option. */
export function resolveSettings(options: PublishPipelineOptions): PipelineSettings {
  const interval = options.throttleInterval ?? DEFAULT_THROTTLE_INTERVAL;
  if (!isInterval(interval)) invalid('throttleInterval must be a finite number of milliseconds >= 0');
  const mode = options.throttleMode ?? 'spaced';
  if (mode !== 'spaced' && mode !== 'latest') invalid("throttleMode must be 'spaced' or 'latest'");
  if (options.topicThrottle !== undefined && typeof options.topicThrottle !== 'function') {
    invalid('topicThrottle must be a function (topic) => { interval?, mode?, lane? } | undefined');
  }
  const overflow = options.overflow ?? 'error';
  if (overflow !== 'error' && overflow !== 'dropOldest' && overflow !== 'dropNewest') {
    invalid("overflow must be 'error', 'dropOldest' or 'dropNewest'");
  }
  const limits = { ...DEFAULT_QUEUE_LIMITS, ...options.maxQueued };
  if (!isCount(limits.messages, true))
    invalid('maxQueued.messages must be a whole number >= 0 (or Infinity)');
  if (!isCount(limits.bytes, true)) invalid('maxQueued.bytes must be a whole number >= 0 (or Infinity)');
  if (options.maxInFlight !== undefined && !isCount(options.maxInFlight, false, 1, MAX_PACKET_IDS)) {
    invalid('maxInFlight must be a whole number from 1 to 65,535');
  }
  const maxPendingWrites = options.maxPendingWrites ?? DEFAULT_MAX_PENDING_WRITES;
  if (!isCount(maxPendingWrites, false, 1)) invalid('maxPendingWrites must be a whole number >= 1');
  const publishTimeout = options.publishTimeout ?? 0;
  if (!isInterval(publishTimeout) && publishTimeout !== Number.POSITIVE_INFINITY) {
    invalid('publishTimeout must be a number of milliseconds >= 0');
  }
  const protocolVersion = options.protocolVersion ?? 4;
  if (protocolVersion !== 4 && protocolVersion !== 5) invalid('protocolVersion must be 4 or 5');
  return {
    context: {
      protocolVersion,
      ...resolveEncoder(options.encoder),
      defaultTimeout: publishTimeout === Number.POSITIVE_INFINITY ? 0 : publishTimeout,
    },
    pacing: { interval, mode, topicThrottle: options.topicThrottle },
    limits,
    overflow,
    maxInFlight: options.maxInFlight,
    maxPendingWrites,
  };
}

function resolveEncoder(encoder: PublishPipelineOptions['encoder']): {
  encoder: Encoder | undefined;
  encoderContentType: string | undefined;
} {
  if (encoder === undefined) return { encoder: undefined, encoderContentType: undefined };
  if (typeof encoder === 'function') return { encoder, encoderContentType: undefined };
  if (typeof encoder === 'object' && encoder !== null && typeof encoder.encode === 'function') {
    if (encoder.contentType !== undefined && typeof encoder.contentType !== 'string') {
      invalid('encoder.contentType must be a string');
    }
    return { encoder: encoder.encode, encoderContentType: encoder.contentType };
  }
  return invalid(
    'encoder must be a function (message, topic) => Uint8Array | string, or { encode, contentType? }',
  );
}

/**
 * Packet identifiers are 16-bit: one connection cannot have more than 65,535 QoS 1/2 publishes
 * unacknowledged.
 */
const MAX_PACKET_IDS = 65_535;

/** A whole number from `min` to `max` (or Infinity when allowed). */
function isCount(value: unknown, allowInfinity: boolean, min = 0, max = Number.POSITIVE_INFINITY): boolean {
  if (allowInfinity && value === Number.POSITIVE_INFINITY) return true;
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function invalid(message: string): never {
  throw new InvalidOptionsError(`Invalid publish option: ${message}`);
}

/** Anything that reaches a publish promise as an error, as a typed {@link MqttConnectorError}. */
export function typed(error: unknown): MqttConnectorError {
  if (error instanceof MqttConnectorError) return error;
  return new PublishFailedError(
    `Publish failed: ${error instanceof Error ? error.message : String(error)}`,
    undefined,
    {
      cause: error,
    },
  );
}
