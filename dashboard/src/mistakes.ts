import { SampleJoin } from './samples';
import type { FeaturePoint, Mistake } from './view';

/** A sample's features as the page can show them: an image's pixels, or a tabular sample's first two features. */
export type SampleFeatures = { kind: 'pixels'; pixels: Buffer } | { kind: 'point'; x: number; y: number } | { kind: 'other' };

/** Reads what the page shows of a sample's features (the data topic's dtype, shape and bytes). */
export function sampleFeatures(dtype: string, shape: readonly number[], features: Buffer): SampleFeatures {
  const length = shape.reduce((a, b) => a * b, 1);
  if (dtype === 'UINT8' && length === 28 * 28 && features.length === length) return { kind: 'pixels', pixels: Buffer.from(features) };
  if (dtype === 'FLOAT32' && length >= 2 && features.length >= 8)
    return { kind: 'point', x: features.readFloatLE(0), y: features.readFloatLE(4) };
  return { kind: 'other' };
}

/** A labelled prediction, with the names of its classes, as the gallery takes it. */
export type LabelledPrediction = Omit<Mistake, 'pixels'>;

/**
 * The latest mistakes with their pictures, and for tabular samples the latest predictions as points
 * of a feature plot. Each prediction is joined with its sample (SampleJoin) by id.
 */
export class MistakeGallery {
  private readonly join: SampleJoin<SampleFeatures>;
  private readonly mistakes: Mistake[] = [];
  private readonly points: FeaturePoint[] = [];
  private tabular = false;
  private changed = false;

  constructor(
    private readonly maxMistakes: number,
    private readonly maxPoints: number,
    joinLimits: { recent: number; wanted: number },
  ) {
    this.join = new SampleJoin(joinLimits.recent, joinLimits.wanted);
  }

  onSample(sampleId: string, features: SampleFeatures): void {
    if (features.kind === 'point') this.tabular = true;
    if (features.kind === 'pixels') this.tabular = false;
    this.join.addSample(sampleId, features);
  }

  onLabelled(p: LabelledPrediction): void {
    const mistake = p.predicted !== p.label;
    if (!mistake && !this.tabular) return;
    let entry: Mistake | undefined;
    if (mistake) {
      entry = { ...p, pixels: null };
      this.mistakes.unshift(entry);
      if (this.mistakes.length > this.maxMistakes) this.mistakes.pop();
      this.changed = true;
    }
    this.join.want(p.sampleId, (features) => {
      if (features.kind === 'pixels' && entry !== undefined) {
        entry.pixels = features.pixels.toString('base64');
        this.changed = true;
      } else if (features.kind === 'point') {
        this.points.push({ x: features.x, y: features.y, label: p.label, predicted: p.predicted });
        if (this.points.length > this.maxPoints) this.points.shift();
        this.changed = true;
      }
    });
  }

  /** Whether anything changed since the last call. */
  takeChanged(): boolean {
    const changed = this.changed;
    this.changed = false;
    return changed;
  }

  latest(): Mistake[] {
    return this.mistakes.map((m) => ({ ...m }));
  }

  /** The feature plot's points; null when the samples are images. */
  featurePoints(): FeaturePoint[] | null {
    return this.tabular ? this.points.slice() : null;
  }

  get joinSizes(): { recent: number; wanted: number } {
    return this.join.sizes;
  }
}
