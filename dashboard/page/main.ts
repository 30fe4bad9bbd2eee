import 'uplot/dist/uPlot.min.css';
import './style.css';
import { applyMessage } from '../src/merge';
import type { DeltaMessage, SnapshotMessage } from '../src/view';
import { AccuracyChart } from './chart';
import { renderConfusion } from './confusion';
import { count, ms, percent } from './format';
import { renderFeatures, renderMistakes } from './mistakes';
import { renderReplicas, renderVersions } from './tables';

const byId = <T extends HTMLElement>(id: string): T => {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page has no #${id}`);
  return e as T;
};

const status = byId('status');
const chart = new AccuracyChart(byId('chart'), byId('chart-summary'), byId('markers'), byId<HTMLTableSectionElement>('recent-points'));
let state: SnapshotMessage | null = null;
let updates = 0;
let frame = 0;

function setStatus(kind: 'connecting' | 'live' | 'reconnecting', text: string): void {
  if (status.dataset['state'] === kind && status.textContent === text) return;
  status.dataset['state'] = kind;
  status.textContent = text;
}

function render(): void {
  frame = 0;
  const s = state;
  if (s === null) return;
  byId('running').textContent = percent(s.totals.running, 2);
  byId('window').textContent = percent(s.totals.window, 2);
  byId('window-title').textContent = `Window accuracy (last ${count(s.totals.windowSize)})`;
  byId('predictions').textContent = count(s.totals.predictions);
  byId('predictions').dataset['count'] = String(s.totals.predictions);
  byId('rate').textContent = s.totals.perSecond.toFixed(0);
  byId('lag').textContent = s.lag.samples === 0 ? 'n/a' : `${ms(s.lag.p50Ms)} / ${ms(s.lag.p99Ms)}`;
  chart.render(s.points, s.markers, s.totals.windowSize, s.bucketMs);
  renderVersions(byId<HTMLTableSectionElement>('versions'), s.versions);
  renderReplicas(byId<HTMLTableSectionElement>('replicas'), s.replicas, s.now);
  renderConfusion(byId<HTMLTableElement>('confusion'), byId('confusion-caption'), s.confusion);
  const tabular = s.features !== null;
  renderMistakes(byId('mistakes'), s.mistakes, !tabular);
  const features = byId('features');
  features.hidden = !tabular;
  if (s.features !== null) renderFeatures(byId<HTMLCanvasElement>('features-plot'), byId('features-summary'), s.features);
  document.body.dataset['updates'] = String(updates);
  document.body.dataset['datasets'] = s.datasets.join(',');
  if (status.dataset['state'] === 'live')
    setStatus('live', s.caughtUp ? `live \u00b7 ${s.datasets.join(', ') || 'no dataset yet'}` : 'live \u00b7 reading the backlog');
}

/** Draws at most once per animation frame, however many messages came. */
function schedule(): void {
  if (frame === 0) frame = requestAnimationFrame(render);
}

function onMessage(kind: 'snapshot' | 'delta', event: MessageEvent<string>): void {
  const next = applyMessage(state, kind, JSON.parse(event.data) as SnapshotMessage | DeltaMessage);
  if (next === null) {
    // A delta this page cannot place (it missed one): connect again, which starts with the whole state.
    source.close();
    source = connect();
    return;
  }
  state = next;
  updates++;
  if (status.dataset['state'] !== 'live') setStatus('live', 'live');
  schedule();
}

/** The event stream. EventSource reconnects by itself when it ends (a dashboard restart); the server then sends the whole state. */
function connect(): EventSource {
  const events = new EventSource('events');
  events.addEventListener('snapshot', (e) => onMessage('snapshot', e as MessageEvent<string>));
  events.addEventListener('delta', (e) => onMessage('delta', e as MessageEvent<string>));
  events.addEventListener('open', () => setStatus('live', 'live'));
  events.addEventListener('error', () => setStatus('reconnecting', 'reconnecting\u2026 (the page keeps what it had)'));
  return events;
}

let source = connect();
