import type { ConfusionMatrix } from '../src/view';
import { count, el } from './format';

/** The serving version's confusion matrix as a table: rows the true class, columns the predicted one, shaded by share. */
export function renderConfusion(table: HTMLTableElement, caption: HTMLElement, matrix: ConfusionMatrix | null): void {
  if (matrix === null) {
    caption.textContent = 'Confusion matrix: no labelled prediction yet.';
    table.replaceChildren();
    table.dataset['total'] = '0';
    return;
  }
  const total = el('span', count(matrix.total), { 'data-testid': 'confusion-total' });
  caption.replaceChildren(`Confusion matrix of ${matrix.model} v${matrix.version} (serving): `, total, ' labelled predictions');
  table.dataset['total'] = String(matrix.total);
  table.dataset['version'] = String(matrix.version);
  const head = el('thead');
  const headRow = el('tr');
  const corner = el('th', '', { scope: 'col' });
  corner.append(
    el('span', 'true \u2193 / predicted \u2192', { class: 'long' }),
    el('span', 'true\u2193 pred.\u2192', { class: 'short', 'aria-hidden': 'true' }),
  );
  headRow.append(corner);
  // On a narrow screen the columns are named by class index; the rows keep both.
  matrix.classNames.forEach((name, i) => {
    const th = el('th', '', { scope: 'col' });
    th.append(el('span', name, { class: 'long' }), el('span', String(i), { class: 'short', 'aria-hidden': 'true' }));
    headRow.append(th);
  });
  head.append(headRow);
  const body = el('tbody');
  matrix.counts.forEach((rowCounts, label) => {
    const tr = el('tr');
    tr.append(el('th', `${label} ${matrix.classNames[label] ?? ''}`.trim(), { scope: 'row' }));
    const rowTotal = rowCounts.reduce((a, b) => a + b, 0);
    rowCounts.forEach((n, predicted) => {
      const td = el('td', String(n), { 'data-count': String(n) });
      const share = rowTotal === 0 ? 0 : n / rowTotal;
      // Blue (Okabe-Ito) for the diagonal, vermillion for mistakes; the number is always there as text.
      const rgb = label === predicted ? '0, 114, 178' : '213, 94, 0';
      td.style.background = `rgba(${rgb}, ${(share * 0.85).toFixed(3)})`;
      if (share > 0.5) td.classList.add('strong');
      tr.append(td);
    });
    body.append(tr);
  });
  table.replaceChildren(head, body);
}
