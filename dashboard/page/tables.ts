import type { ReplicaRow, VersionRow } from '../src/view';
import { clock, count, el, percent } from './format';

/** A row: the first `header` cells are row headers; each cell carries its column's name, shown beside it on a narrow screen. */
function row(cells: (string | HTMLElement)[], header = 0, labels: readonly string[] = []): HTMLTableRowElement {
  const tr = el('tr');
  cells.forEach((c, i) => {
    const cell = i < header ? el('th', '', { scope: 'row' }) : el('td', '', { 'data-label': labels[i] ?? '' });
    cell.append(c);
    tr.append(cell);
  });
  return tr;
}

const VERSION_COLUMNS = ['Version', 'Model', 'Held-out', 'Live', 'Predictions', 'Labelled', 'Served'] as const;
const REPLICA_COLUMNS = ['Replica', 'Serves', 'Predictions/s', 'Predictions', 'Latest'] as const;

/** Per version: held-out accuracy beside live accuracy, predictions, and when it served. */
export function renderVersions(body: HTMLTableSectionElement, versions: VersionRow[]): void {
  body.replaceChildren(
    ...(versions.length === 0
      ? [row(['no model read yet', '', '', '', '', ''])]
      : versions.map((v) => {
          const tr = row(
            [
              `${v.model} v${v.version}${v.servingOn > 0 ? ' (serving)' : ''}`,
              v.architecture ?? 'record not read',
              percent(v.heldOut),
              percent(v.live),
              count(v.predictions),
              count(v.labelled),
              v.firstAt === null ? 'not yet' : `${clock(v.firstAt)} to ${clock(v.lastAt)}`,
            ],
            1,
            VERSION_COLUMNS,
          );
          tr.dataset['version'] = String(v.version);
          if (v.servingOn > 0) tr.classList.add('serving');
          return tr;
        })),
  );
}

/** A replica without a prediction for this long is shown as silent (stopped, or starved of data). */
const SILENT_MS = 30_000;

/** Per replica: the version it serves and its predictions per second. */
export function renderReplicas(body: HTMLTableSectionElement, replicas: ReplicaRow[], now: number): void {
  body.replaceChildren(
    ...(replicas.length === 0
      ? [row(['no prediction yet', '', '', ''])]
      : replicas.map((r) => {
          const silent = now - r.lastAt > SILENT_MS;
          const tr = row(
            [
              r.replica,
              `${r.model} v${r.version}`,
              r.perSecond.toFixed(1),
              count(r.predictions),
              `${clock(r.lastAt)}${silent ? ' (silent)' : ''}`,
            ],
            1,
            REPLICA_COLUMNS,
          );
          if (silent) tr.classList.add('silent');
          return tr;
        })),
  );
}
