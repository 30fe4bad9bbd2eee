import type { Row } from './report';

/** The backlog's throughput with a challenger scored beside the serving version, if it was measured. */
export type ShadowFigure = { throughput: number } | { skipped: string };

/** The row: throughput with a challenger, and its ratio to the same backlog without one. */
export function shadowRow(figure: ShadowFigure, samples: number, withoutChallenger: number): Row {
  const row = {
    id: 'e2e-throughput-challenger',
    figure: `end to end with a challenger (v2, same architecture) scored beside v1 on every batch, backlog of ${samples}, at-least-once`,
    unit: 'predictions/s',
  };
  if ('skipped' in figure) return { ...row, value: null, note: figure.skipped };
  const ratio = withoutChallenger > 0 ? figure.throughput / withoutChallenger : null;
  return { ...row, value: figure.throughput, ratios: [{ value: ratio, against: 'without a challenger' }] };
}
