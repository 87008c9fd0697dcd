import { SubscriptionRegistry } from '../../../src/streams/subscription-registry';
import { FakePort, settle } from './fake-port';

describe('sessions with a broker list', () => {
  it('treats a session "present" on another broker as fresh: every live filter is subscribed there', async () => {
    const port = new FakePort();
    const registry = new SubscriptionRegistry(port, { log: () => undefined });
    port.open();
    await registry.onConnected({ sessionPresent: false, broker: 'mqtt://a' });
    const live = registry.observe('x/#').subscribe();
    await settle();
    expect(port.subscribedFilters()).toEqual([['x/#']]);

    port.drop();
    port.open(true);
    // Broker B says it has a session for our client id, but our SUBACK came from A.
    const onB = registry.onConnected({ sessionPresent: true, broker: 'mqtt://b' });
    await settle();
    await onB;
    expect(port.subscribedFilters()).toEqual([['x/#'], ['x/#']]);

    // Back on B again with its session present: B holds the filter now, nothing is re-sent.
    port.drop();
    port.open(true);
    await registry.onConnected({ sessionPresent: true, broker: 'mqtt://b' });
    await settle();
    expect(port.subscribedFilters()).toHaveLength(2);
    live.unsubscribe();
    registry.dispose();
  });
});
