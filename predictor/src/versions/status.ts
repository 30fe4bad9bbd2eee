import type { ModelControl } from '@hotswap/shared/contracts';
import type { ModelStatus, VersionState as ApiVersionState } from '../http/serving';
import type { ModelCatalog } from './catalog';
import type { VersionState } from './states';

/** What a replica measured of one version while it served (or was scored as the challenger). */
export interface LiveFigures {
  accuracy: number | null;
  labelled: number;
  predictions: number;
}

const API_STATE: Record<VersionState, ApiVersionState> = {
  seen: 'available',
  loading: 'loading',
  ready: 'staged',
  serving: 'serving',
  retired: 'available',
  rejected: 'rejected',
  shadow: 'challenger',
};

/** Every version of the catalog, newest first, as the status API shows it: state, role and figures. */
export function statusOf(
  name: string,
  servingVersion: number | null,
  catalog: ModelCatalog,
  live: (version: number) => LiveFigures,
): ModelStatus {
  return {
    name,
    servingVersion,
    pinnedVersion: catalog.pinned,
    versions: catalog.newestFirst().map((entry) => ({
      version: entry.version,
      state: entry.standing === 'lost' ? 'rejected' : API_STATE[entry.state],
      role: entry.standing === 'release' ? 'release' : 'candidate',
      architecture: entry.architecture,
      createdAt: entry.createdAt,
      heldOut: entry.heldOut,
      live: live(entry.version),
      rejection: entry.rejection,
    })),
  };
}

/** A decision's reason as the status API and the log show it: what was decided, on what evidence. */
export function decisionReason(control: ModelControl): string {
  const e = control.evidence;
  const verb = control.action === 'promote' ? 'promoted' : 'rejected';
  const why = control.reason === null ? '' : ` (${control.reason})`;
  if (e === undefined || e === null) return `${verb} by ${control.requestedBy}${why}`;
  const p = e.pValue === null ? 'no test' : `p=${e.pValue.toExponential(2)}`;
  return `${verb} by ${control.requestedBy}${why} against v${e.champion} on ${e.pairs} paired samples: ${e.challengerOnly} right only by v${e.challenger}, ${e.championOnly} only by v${e.champion}, ${p} (threshold ${e.threshold.toExponential(2)})`;
}
