/** A place in line: `ready` resolves once every earlier place is done; `done` must be called exactly once. */
export interface Turn {
  readonly ready: Promise<void>;
  done(): void;
}

/**
 * Lets work that runs at once finish a step in the order it started: batches predicted and
 * delivered side by side still score and count their predictions in the order they were fetched,
 * so running figures and the accuracy log only ever go up.
 */
export class TurnQueue {
  private last: Promise<void> = Promise.resolve();

  /** Takes the next place in line. */
  take(): Turn {
    const ready = this.last;
    let finish!: () => void;
    this.last = new Promise<void>((resolve) => (finish = resolve));
    let called = false;
    return {
      ready,
      done: () => {
        if (called) return;
        called = true;
        // A place done early (its batch failed or had nothing to do) still lets the next go only after the earlier ones.
        void ready.then(finish);
      },
    };
  }
}
