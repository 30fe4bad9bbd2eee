import { ConfigError } from '@hotswap/shared/config';

/** What DRIFT_SWAP_LABELS and DRIFT_FROM_SAMPLE hold, before the classes are checked against the dataset. */
export interface DriftSettings {
  /** Two classes, by index or name, comma-separated; '' when off. */
  swapLabels: string;
  fromSample: number;
  /** Whether DRIFT_FROM_SAMPLE asks for a start (anything but its default 0). */
  fromSampleGiven: boolean;
}

/** Sudden concept drift: two classes trade labels from one position on, so a model trained before turns wrong on them. */
export class LabelSwap {
  constructor(
    readonly a: number,
    readonly b: number,
    /** 0-based position in this process's stream from which labels are swapped. */
    readonly fromSample: number,
    private readonly classNames: readonly string[],
  ) {}

  /** The label to send for the sample at `position`: the other class of the pair from `fromSample` on. */
  labelAt(label: number | null, position: number): number | null {
    if (label === null || position < this.fromSample) return label;
    if (label === this.a) return this.b;
    if (label === this.b) return this.a;
    return label;
  }

  /** Logged once at start. */
  get startLine(): string {
    return `drift: labels ${this.describe(this.a)} and ${this.describe(this.b)} swap from sample ${this.fromSample} on`;
  }

  /** Logged once, when the sample at `fromSample` has been sent. */
  get firstDriftLine(): string {
    return `drift: sample ${this.fromSample} on carries swapped labels ${this.describe(this.a)} <-> ${this.describe(this.b)}`;
  }

  /** A warning when a stream of `count` samples (0 = endless) ends before the drift starts. */
  unreachedWarning(count: number): string | undefined {
    if (count === 0 || this.fromSample < count) return undefined;
    return `drift: DRIFT_FROM_SAMPLE=${this.fromSample} is not below COUNT=${count}, so no sample will carry swapped labels`;
  }

  private describe(index: number): string {
    return `${index} (${this.classNames[index] ?? '?'})`;
  }
}

/** The class an item names: an index below the class count, or a class name in any case. */
function classIndex(item: string, classNames: readonly string[]): number | undefined {
  if (/^\d+$/.test(item)) {
    const n = Number(item);
    return n < classNames.length ? n : undefined;
  }
  const i = classNames.findIndex((name) => name.toLowerCase() === item.toLowerCase());
  return i === -1 ? undefined : i;
}

/** The swap the settings ask for, checked against the dataset's classes (ConfigError if not two different ones); undefined when off. */
export function labelSwapOf(settings: DriftSettings, dataset: string, classNames: readonly string[]): LabelSwap | undefined {
  const raw = settings.swapLabels;
  if (raw.trim() === '') {
    if (settings.fromSampleGiven) {
      throw new ConfigError(
        'DRIFT_FROM_SAMPLE',
        String(settings.fromSample),
        'DRIFT_SWAP_LABELS alongside (the two classes that swap from this sample on)',
      );
    }
    return undefined;
  }
  const expected = `two different classes of ${dataset} (0-${classNames.length - 1} or a class name: ${classNames.join(', ')})`;
  const items = raw.split(',').map((s) => s.trim());
  if (items.length !== 2) throw new ConfigError('DRIFT_SWAP_LABELS', raw, expected);
  const [a, b] = items.map((item) => classIndex(item, classNames));
  if (a === undefined || b === undefined || a === b) throw new ConfigError('DRIFT_SWAP_LABELS', raw, expected);
  return new LabelSwap(a, b, settings.fromSample, classNames);
}
