/**
 * The application logic of the sensor pipeline example (examples/sensor-pipeline.ts), kept apart from any
 * connector so that it can be tested without a broker: a function from an Observable of messages to an
 * Observable of results. docs/testing.md shows how to marble-test it; test/integration/recipes does.
 */
import {
  type Observable,
  type SchedulerLike,
  asyncScheduler,
  groupBy,
  map,
  mergeMap,
  reduce,
  windowTime,
} from 'rxjs';
import { z } from 'zod';
import { type DecodeError, type MqttMessage, decodeWith, matchTopic } from '../../src/index';

/** A temperature reading as the sensors publish it; the range is what the hardware can measure. */
export const Reading = z.object({ celsius: z.number().min(-40).max(125) });

/** Statistics of one sensor over one window. */
export interface SensorStats {
  readonly sensor: string;
  readonly count: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
}

/** Options of {@link sensorStats}. */
export interface SensorStatsOptions {
  /** Length of the aggregation window in ms. Default 1000. */
  windowMs?: number;
  /** Scheduler of the windows (tests pass a TestScheduler). Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** Receives each reading that failed validation (it is skipped; the stream goes on). */
  onInvalid?: (error: DecodeError) => void;
}

/**
 * Per window and per sensor, the count, min, max and mean of the valid readings on
 * `sensors/<sensor>/temperature`. Emits when a window closes (and, for the last one, when the source
 * completes), one value per sensor that had readings in it, in order of their first reading.
 */
export function sensorStats(
  messages: Observable<MqttMessage<unknown>>,
  { windowMs = 1000, scheduler = asyncScheduler, onInvalid }: SensorStatsOptions = {},
): Observable<SensorStats> {
  return messages.pipe(
    matchTopic('sensors/+sensor/temperature'), // fills params.sensor, whatever the subscription was
    decodeWith(Reading, { onError: onInvalid }), // invalid readings are reported and skipped
    windowTime(windowMs, scheduler),
    mergeMap((window) =>
      window.pipe(
        groupBy((reading) => reading.params.sensor as string),
        mergeMap((sensor) =>
          sensor.pipe(
            reduce(
              (acc, { payload }) => ({
                count: acc.count + 1,
                min: Math.min(acc.min, payload.celsius),
                max: Math.max(acc.max, payload.celsius),
                sum: acc.sum + payload.celsius,
              }),
              { count: 0, min: Infinity, max: -Infinity, sum: 0 },
            ),
            map(({ count, min, max, sum }) => ({ sensor: sensor.key, count, min, max, mean: sum / count })),
          ),
        ),
      ),
    ),
  );
}
