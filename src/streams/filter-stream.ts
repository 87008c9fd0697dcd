/**
 * The Observable that `subscribe(filter, options)` returns. It keeps its filter and settings in fields:
 * RxJS calls the subscribe function with `this` set to the Observable (its constructor types it so), so
 * one shared function serves every stream, and no closure (with its context) is allocated per call.
 *
 * @internal
 */
import { Observable, type Subscriber, type TeardownLogic } from 'rxjs';
import type { MqttMessage } from '../connector/types.js';
import type { ObserverSettings } from './filter-entry.js';
import type { FilterTable } from './filter-table.js';
import type { ParsedFilter } from './topic-filter.js';

/** See the module documentation. */
export class FilterStream extends Observable<MqttMessage<unknown>> {
  constructor(
    readonly table: FilterTable,
    readonly filter: ParsedFilter,
    readonly settings: ObserverSettings,
  ) {
    super(subscribeToFilter);
  }
}

function subscribeToFilter(
  this: Observable<MqttMessage<unknown>>,
  subscriber: Subscriber<MqttMessage<unknown>>,
): TeardownLogic {
  if (!(this instanceof FilterStream)) throw new TypeError('subscribeToFilter serves FilterStream only');
  return this.table.attach(this.filter, this.settings, subscriber);
}
