/**
 * The "one RxJS filter per observable" design (ngx-mqtt's `MqttService.observe`): every observed filter is
 * `messages$.pipe(filter((m) => filterMatchesTopic(f, m.topic)), share())`, so each incoming message runs
 * every filter's predicate, and the predicate splits filter and topic on every call.
 */
import { filter, type Observable, share, Subject, type Subscription } from 'rxjs';

/** What the ngx-style layer routes. */
export interface NgxMessage {
  readonly topic: string;
  readonly payload: Uint8Array;
}

/** ngx-mqtt's `MqttService.filterMatchesTopic` (v17), transcribed: split, reverse, recursive walk. */
export function filterMatchesTopic(filterString: string, topic: string): boolean {
  if (filterString[0] === '#' && topic[0] === '$') return false;
  const fs = (filterString || '').split('/').reverse();
  const ts = (topic || '').split('/').reverse();
  const match = (): boolean => {
    const f = fs.pop();
    const t = ts.pop();
    switch (f) {
      case '#':
        return true;
      case '+':
        return t ? match() : false;
      default:
        return f === t && (f === undefined ? true : match());
    }
  };
  return match();
}

/** One Subject fed with every message, and one filtered, shared Observable per filter. */
export class NgxLayer {
  readonly messages = new Subject<NgxMessage>();
  private readonly subscriptions: Subscription[] = [];

  /** `messages.pipe(filter(match), share())`, as ngx-mqtt's observe() builds it. */
  observe(filterString: string): Observable<NgxMessage> {
    return this.messages.pipe(
      filter((message) => filterMatchesTopic(filterString, message.topic)),
      share(),
    );
  }

  /** Observes `filterString` with `next` and keeps the subscription. */
  attach(filterString: string, next: (message: NgxMessage) => void): Subscription {
    const subscription = this.observe(filterString).subscribe(next);
    this.subscriptions.push(subscription);
    return subscription;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions.length = 0;
    this.messages.complete();
  }
}
