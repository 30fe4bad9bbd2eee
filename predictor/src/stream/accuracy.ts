/** Correct over labelled predictions; unlabelled predictions are counted but not scored. */
export class RunningAccuracy {
  constructor(
    public correct = 0,
    public labelled = 0,
    public predictions = 0,
  ) {}

  /** `correct` is null for an unlabelled sample. */
  record(correct: boolean | null): void {
    this.predictions++;
    if (correct === null) return;
    this.labelled++;
    if (correct) this.correct++;
  }

  /** null until a labelled prediction was made. */
  get value(): number | null {
    return this.labelled === 0 ? null : this.correct / this.labelled;
  }

  copy(): RunningAccuracy {
    return new RunningAccuracy(this.correct, this.labelled, this.predictions);
  }

  /** Adds (sign 1) or takes away (sign -1) another tally. */
  merge(other: RunningAccuracy, sign: 1 | -1): void {
    this.correct += sign * other.correct;
    this.labelled += sign * other.labelled;
    this.predictions += sign * other.predictions;
  }
}

/** Running accuracy overall and per model version, advanced together. */
export class AccuracyBook {
  overall = new RunningAccuracy();
  byVersion = new Map<string, RunningAccuracy>();

  /** `served` false for a challenger's prediction: it counts for its version, never for the system's accuracy. */
  record(modelKey: string, correct: boolean | null, served = true): { overall: RunningAccuracy; model: RunningAccuracy } {
    let model = this.byVersion.get(modelKey);
    if (model === undefined) {
      model = new RunningAccuracy();
      this.byVersion.set(modelKey, model);
    }
    if (served) this.overall.record(correct);
    model.record(correct);
    return { overall: this.overall, model };
  }

  /** Adds (sign 1) or takes away (sign -1) another book's tallies. */
  merge(other: AccuracyBook, sign: 1 | -1): void {
    this.overall.merge(other.overall, sign);
    for (const [key, tally] of other.byVersion) {
      let mine = this.byVersion.get(key);
      if (mine === undefined) {
        mine = new RunningAccuracy();
        this.byVersion.set(key, mine);
      }
      mine.merge(tally, sign);
    }
  }
}

/**
 * Running accuracy for batches whose delivery may fail. Each prediction is numbered from the
 * provisional book (committed plus the batches in flight); a batch's tallies join the committed
 * book when it is delivered. An undelivered batch leaves the provisional book only when its
 * records surely never became visible (it failed before any write) and no batch scored after it;
 * otherwise its numbers could be handed out again, so its tallies stay, as a gap in the
 * numbering. Numbers never repeat; the committed book counts delivered predictions only.
 */
export class AccuracyLedger {
  readonly committed = new AccuracyBook();
  private readonly provisional = new AccuracyBook();
  /** The batch whose predictions hold the highest numbers, while it is undecided. */
  private lastScored: AccuracyBook | null = null;

  /** A batch's own tallies, to commit or abandon as one. */
  open(): AccuracyBook {
    return new AccuracyBook();
  }

  /** Scores one prediction of a batch; returns the provisional running figures to write in its record. */
  record(
    batch: AccuracyBook,
    modelKey: string,
    correct: boolean | null,
    served = true,
  ): { overall: RunningAccuracy; model: RunningAccuracy } {
    batch.record(modelKey, correct, served);
    this.lastScored = batch;
    return this.provisional.record(modelKey, correct, served);
  }

  commit(batch: AccuracyBook): void {
    this.committed.merge(batch, 1);
    if (this.lastScored === batch) this.lastScored = null;
  }

  /** A batch that was not delivered; `written` when any of its writes may have reached the broker. */
  abandon(batch: AccuracyBook, written: boolean): void {
    if (written || this.lastScored !== batch) return;
    this.provisional.merge(batch, -1);
    this.lastScored = null;
  }
}

/** Accuracy over the most recent `size` labelled predictions: shows drift that a running figure hides. */
export class WindowAccuracy {
  private readonly outcomes: Uint8Array;
  private next = 0;
  private filled = 0;
  private correct = 0;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`window size ${size} is not a positive integer`);
    this.outcomes = new Uint8Array(size);
  }

  record(correct: boolean): void {
    if (this.filled === this.size) this.correct -= this.outcomes[this.next] as number;
    else this.filled++;
    this.outcomes[this.next] = correct ? 1 : 0;
    if (correct) this.correct++;
    this.next = (this.next + 1) % this.size;
  }

  get value(): number | null {
    return this.filled === 0 ? null : this.correct / this.filled;
  }
}
