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
}

/** Running accuracy overall and per model version, advanced together. */
export class AccuracyBook {
  overall = new RunningAccuracy();
  byVersion = new Map<string, RunningAccuracy>();

  record(modelKey: string, correct: boolean | null): { overall: RunningAccuracy; model: RunningAccuracy } {
    let model = this.byVersion.get(modelKey);
    if (model === undefined) {
      model = new RunningAccuracy();
      this.byVersion.set(modelKey, model);
    }
    this.overall.record(correct);
    model.record(correct);
    return { overall: this.overall, model };
  }

  /** A copy to work on; `adopt` it once the work is durable, drop it otherwise. */
  draft(): AccuracyBook {
    const book = new AccuracyBook();
    book.overall = this.overall.copy();
    for (const [k, v] of this.byVersion) book.byVersion.set(k, v.copy());
    return book;
  }

  adopt(draft: AccuracyBook): void {
    this.overall = draft.overall;
    this.byVersion = draft.byVersion;
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
