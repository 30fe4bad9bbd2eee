import type { SeenModel, SeenPrediction } from './records';
import type { ConfusionMatrix, VersionRow } from './view';

interface VersionStats {
  model: string;
  version: number;
  predictions: number;
  labelled: number;
  correct: number;
  firstAt: number | null;
  lastAt: number | null;
  /** counts[label][predicted], grown as classes appear. */
  confusion: number[][];
}

const keyOf = (model: string, version: number): string => `${model}@${version}`;

/**
 * Every version: its model record (held-out accuracy, class names) and what it did live, over all
 * replicas: predictions, accuracy, when it served, and its confusion matrix.
 */
export class VersionBook {
  private readonly stats = new Map<string, VersionStats>();
  private readonly models = new Map<string, SeenModel>();
  /** Class names by index as the predictions name them, for versions whose record is not read yet. */
  private readonly namesSeen = new Map<string, string[]>();

  onModel(model: SeenModel): void {
    this.models.set(keyOf(model.name, model.version), model);
  }

  onPrediction(p: SeenPrediction): void {
    const key = keyOf(p.model.name, p.model.version);
    let s = this.stats.get(key);
    if (s === undefined) {
      s = {
        model: p.model.name,
        version: p.model.version,
        predictions: 0,
        labelled: 0,
        correct: 0,
        firstAt: null,
        lastAt: null,
        confusion: [],
      };
      this.stats.set(key, s);
    }
    s.predictions++;
    s.firstAt = s.firstAt === null ? p.predictedAt : Math.min(s.firstAt, p.predictedAt);
    s.lastAt = s.lastAt === null ? p.predictedAt : Math.max(s.lastAt, p.predictedAt);
    const names = this.namesSeen.get(p.model.name) ?? [];
    names[p.predicted] ??= p.predictedClass;
    this.namesSeen.set(p.model.name, names);
    if (p.label === null) return;
    s.labelled++;
    if (p.correct === true) s.correct++;
    const row = (s.confusion[p.label] ??= []);
    row[p.predicted] = (row[p.predicted] ?? 0) + 1;
  }

  /** The class name of an index for a version: from its model record, else as predictions named it. */
  className(model: string, version: number, index: number): string {
    return this.models.get(keyOf(model, version))?.classNames[index] ?? this.namesSeen.get(model)?.[index] ?? String(index);
  }

  /** Versions with a model record or a prediction, newest first; `servingOn` counts the replicas serving each. */
  rows(servingOn: ReadonlyMap<string, number>): VersionRow[] {
    const keys = new Set([...this.models.keys(), ...this.stats.keys()]);
    return [...keys]
      .map((key) => {
        const m = this.models.get(key);
        const s = this.stats.get(key);
        const model = m?.name ?? s?.model ?? '';
        const version = m?.version ?? s?.version ?? 0;
        return {
          model,
          version,
          architecture: m?.architecture ?? null,
          heldOut: m?.heldOut ?? null,
          testSamples: m?.testSamples ?? null,
          publishedAt: m?.createdAt ?? null,
          predictions: s?.predictions ?? 0,
          labelled: s?.labelled ?? 0,
          correct: s?.correct ?? 0,
          live: s === undefined || s.labelled === 0 ? null : s.correct / s.labelled,
          firstAt: s?.firstAt ?? null,
          lastAt: s?.lastAt ?? null,
          servingOn: servingOn.get(key) ?? 0,
        };
      })
      .sort((a, b) => (a.model === b.model ? b.version - a.version : a.model < b.model ? -1 : 1));
  }

  /** The confusion matrix of a version, square over its classes, with their names. */
  confusion(model: string, version: number): ConfusionMatrix | null {
    const s = this.stats.get(keyOf(model, version));
    if (s === undefined) return null;
    const recordNames = this.models.get(keyOf(model, version))?.classNames ?? [];
    // The rows are sparse until every class has come up: a loop, not map, which would keep the holes.
    let size = Math.max(recordNames.length, s.confusion.length, this.namesSeen.get(model)?.length ?? 0);
    for (let label = 0; label < s.confusion.length; label++) size = Math.max(size, s.confusion[label]?.length ?? 0);
    const counts = Array.from({ length: size }, (_, label) => Array.from({ length: size }, (_, p) => s.confusion[label]?.[p] ?? 0));
    const classNames = Array.from({ length: size }, (_, i) => this.className(model, version, i));
    return { model, version, classNames, counts, total: s.labelled };
  }

  static key = keyOf;
}
