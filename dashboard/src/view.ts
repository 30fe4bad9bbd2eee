// What the server pushes to the page: types only, shared by the server (src/) and the page (page/).

/** One point of the accuracy lines: the state at the end of a time bucket. */
export interface AccuracyPoint {
  /** End of the bucket, ms since epoch (the newest predictedAt in it). */
  t: number;
  /** Correct / labelled over every prediction so far, all replicas together; null before the first labelled one. */
  running: number | null;
  /** Correct / labelled over the last `windowSize` labelled predictions. */
  window: number | null;
  /** Predictions so far, all replicas together. */
  predictions: number;
}

/** A vertical marker on the accuracy chart: a swap seen in the predictions, or a control record. */
export interface Marker {
  t: number;
  /** swap | first | pin | unpin | rollback | promote | reject | any other control action, by its name. */
  kind: string;
  model: string;
  version: number | null;
  /** For a swap: the version served before (on the first replica that swapped); else null. */
  from: number | null;
  /** Replicas whose predictions showed the swap (empty for control records). */
  replicas: string[];
  /** For control records: who asked and why. */
  detail: string;
}

export interface VersionRow {
  model: string;
  version: number;
  architecture: string | null;
  /** Held-out accuracy from the model record; null until its record is read. */
  heldOut: number | null;
  testSamples: number | null;
  publishedAt: number | null;
  predictions: number;
  labelled: number;
  correct: number;
  live: number | null;
  firstAt: number | null;
  lastAt: number | null;
  /** Replicas whose latest prediction was by this version. */
  servingOn: number;
}

export interface ReplicaRow {
  replica: string;
  model: string;
  version: number;
  predictions: number;
  /** Predictions per second over the last 5 whole seconds before now. */
  perSecond: number;
  lastAt: number;
}

export interface ConfusionMatrix {
  model: string;
  version: number;
  classNames: string[];
  /** counts[trueLabel][predicted] */
  counts: number[][];
  /** Sum of counts: the version's labelled predictions. */
  total: number;
}

export interface Mistake {
  sampleId: string;
  at: number;
  model: string;
  version: number;
  predicted: number;
  predictedClass: string;
  label: number;
  labelClass: string;
  confidence: number;
  replica: string;
  /** 28x28 grey pixels, base64 (UINT8 samples); null until the sample is joined or when it has other features. */
  pixels: string | null;
}

/** A recent prediction of a tabular (FLOAT32) sample: its first two features, for the feature plot. */
export interface FeaturePoint {
  x: number;
  y: number;
  label: number;
  predicted: number;
}

/** How long after its predictedAt a live prediction was aggregated here. */
export interface LagFigures {
  /** Live predictions (read after the prediction topic's backlog) so far. */
  samples: number;
  /** Over the latest 8192 live predictions. */
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  lastMs: number | null;
  /** Over every live prediction so far, to the millisecond. */
  overallP50Ms: number | null;
  overallP99Ms: number | null;
}

export interface Totals {
  predictions: number;
  labelled: number;
  correct: number;
  running: number | null;
  window: number | null;
  windowSize: number;
  /** Predictions per second over every replica. */
  perSecond: number;
  unreadable: number;
}

/** The state the page draws, as one object: sent whole on connect, then as deltas. */
export interface DashboardState {
  now: number;
  datasets: string[];
  caughtUp: boolean;
  totals: Totals;
  /** Width of a point's time bucket, ms (doubles as history grows). */
  bucketMs: number;
  markers: Marker[];
  versions: VersionRow[];
  replicas: ReplicaRow[];
  confusion: ConfusionMatrix | null;
  mistakes: Mistake[];
  /** Feature plot of recent tabular samples; null when the samples are images. */
  features: FeaturePoint[] | null;
  lag: LagFigures;
}

export interface SnapshotMessage extends DashboardState {
  points: AccuracyPoint[];
}

/** Points from index `pointsFrom` on replace the page's; the rest replaces the page's state. */
export interface DeltaMessage extends DashboardState {
  pointsFrom: number;
  points: AccuracyPoint[];
}
