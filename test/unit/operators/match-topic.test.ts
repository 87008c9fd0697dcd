import { from } from 'rxjs';
import { InvalidTopicError } from '../../../src/connector/errors';
import type { MqttMessage } from '../../../src/connector/types';
import { matchTopic } from '../../../src/operators/match-topic';
import { message } from './message-fixtures';

function run(filter: string, messages: MqttMessage<unknown>[]): MqttMessage<unknown>[] {
  const out: MqttMessage<unknown>[] = [];
  from(messages)
    .pipe(matchTopic(filter))
    .subscribe((m) => out.push(m));
  return out;
}

const topics = (messages: MqttMessage<unknown>[]) => messages.map((m) => m.topic);

describe('matchTopic', () => {
  const all = ['sport', 'sport/', 'sport/tennis', 'sport/tennis/p1', '$SYS/uptime', 'other'].map((t) =>
    message(t, 'x'),
  );

  it.each([
    ['sport/+', ['sport/', 'sport/tennis']],
    ['sport/#', ['sport', 'sport/', 'sport/tennis', 'sport/tennis/p1']],
    ['#', ['sport', 'sport/', 'sport/tennis', 'sport/tennis/p1', 'other']],
    ['+', ['sport', 'other']],
    ['$SYS/#', ['$SYS/uptime']],
    ['$share/g/sport/+', ['sport/', 'sport/tennis']],
    ['sport/tennis/p1', ['sport/tennis/p1']],
  ])('%s lets through exactly the matching topics', (filter, expected) => {
    expect(topics(run(filter, all))).toEqual(expected);
  });

  it('passes matching messages through unchanged when the filter has no names', () => {
    const input = message('a/b', 'x', { params: { kept: 'yes' } });
    expect(run('a/+', [input])[0]).toBe(input);
  });

  it('fills params from named wildcards, merged over the message params', () => {
    const [out] = run('devices/+id/#rest', [
      message('devices/abc/telemetry/power', 'x', { params: { site: 'lab', id: 'old' } }),
    ]);
    expect(out?.params).toEqual({ site: 'lab', id: 'abc', rest: 'telemetry/power' });
    const [parent] = run('devices/+id/#rest', [message('devices/abc', 'x')]);
    expect(parent?.params).toEqual({ id: 'abc', rest: '' });
  });

  it('throws INVALID_TOPIC at the call for an invalid filter', () => {
    expect(() => matchTopic('a/#/b')).toThrow(InvalidTopicError);
    expect(() => matchTopic('')).toThrow(InvalidTopicError);
  });
});
