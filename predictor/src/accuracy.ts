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
