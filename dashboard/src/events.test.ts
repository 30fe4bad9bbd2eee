import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { DashboardAggregate } from './aggregate';
import { EventStream } from './events';
import { applyMessage } from './merge';
import type { DeltaMessage, SnapshotMessage } from './view';

/** A response that records what it was sent; `full` makes write() say the socket's buffer is full. */
class FakeResponse extends EventEmitter {
  readonly written: string[] = [];
  status = 0;
  full = false;
  ended = false;
  writeHead(status: number): this {
    this.status = status;
    return this;
  }
  write(text: string): boolean {
    this.written.push(text);
    return !this.full;
  }
  end(): void {
    this.ended = true;
  }
  /** The events sent, parsed. */
  events(): { event: string; data: SnapshotMessage | DeltaMessage }[] {
    return this.written
      .join('')
      .split('\n\n')
      .filter((block) => block.includes('event: '))
      .map((block) => ({
        event: /event: (\w+)/.exec(block)?.[1] ?? '',
        data: JSON.parse(/data: (.*)/.exec(block)?.[1] ?? 'null') as SnapshotMessage | DeltaMessage,
      }));
  }
}

const T0 = 1_700_000_000_000;
const predict = (a: DashboardAggregate, i: number): void =>
  a.addPrediction(
    {
      sampleId: `s${i}`,
      model: { name: 'm', version: 1 },
      predicted: 0,
      predictedClass: 'zero',
      confidence: 1,
      label: 0,
      correct: true,
      predictedAt: T0 + i * 700,
      predictor: 'r',
    },
    T0,
    false,
  );

describe('EventStream', () => {
  const connect = (events: EventStream): FakeResponse => {
    const res = new FakeResponse();
    events.connect(res as unknown as ServerResponse);
    return res;
  };

  it('sends a page the reconnect delay and the whole state when it connects', () => {
    const a = new DashboardAggregate();
    predict(a, 1);
    const res = connect(new EventStream(a, 250, () => T0));
    assert.equal(res.status, 200);
    assert.match(res.written[0] ?? '', /^retry: 1000\n\n/);
    assert.deepEqual(
      res.events().map((e) => [e.event, e.data.totals.predictions]),
      [['snapshot', 1]],
    );
  });

  it('pushes one delta per push however many predictions came, and none when nothing changed', () => {
    const a = new DashboardAggregate();
    const events = new EventStream(a, 250, () => T0);
    const res = connect(events);
    for (let i = 0; i < 1000; i++) predict(a, i);
    events.push();
    events.push();
    const sent = res.events();
    assert.deepEqual(
      sent.map((e) => e.event),
      ['snapshot', 'delta'],
    );
    let page = applyMessage(null, 'snapshot', sent[0]?.data as SnapshotMessage);
    page = applyMessage(page, 'delta', sent[1]?.data as DeltaMessage);
    assert.equal(page?.totals.predictions, 1000);
    assert.deepEqual(page?.points, a.snapshot(T0).points);
  });

  it('holds a page whose socket is full, and sends it the whole state once it drains', () => {
    const a = new DashboardAggregate();
    const events = new EventStream(a, 250, () => T0);
    const res = connect(events);
    res.full = true;
    predict(a, 1);
    events.push(); // written, but the buffer is now full
    predict(a, 2);
    events.push(); // held back
    assert.equal(res.events().length, 2);
    res.full = false;
    res.emit('drain');
    predict(a, 3);
    events.push();
    const last = res.events().at(-1);
    assert.equal(last?.event, 'snapshot');
    assert.equal(last?.data.totals.predictions, 3);
  });

  it('forgets a page that closed, and ends the others when it stops', () => {
    const a = new DashboardAggregate();
    const events = new EventStream(a, 250, () => T0);
    const gone = connect(events);
    const stays = connect(events);
    gone.emit('close');
    assert.equal(events.connected, 1);
    events.stop();
    assert.equal(stays.ended, true);
    assert.equal(events.connected, 0);
  });
});
