import type { InboundRecord, OutboundRecord, PredictionRecord } from '@hotswap/shared';
import type { AccuracyBook } from './accuracy';
import type { SampleRejection } from './batch';

/** What a fetched batch produces, gathered over its chunks, delivered at once. */
export interface BatchOutput {
  /** This batch's accuracy tallies: committed with its delivery, abandoned without it. */
  tally: AccuracyBook;
  predictions: PredictionRecord[];
  records: OutboundRecord[];
  deadLetters: OutboundRecord[];
  rejected: SampleRejection[];
  /** Request/reply answers by reply topic. */
  replies: Map<string, OutboundRecord[]>;
  /** Set once delivery began: from then on some of the output may be visible, even if delivery fails. */
  written: boolean;
}

/** A record the predictor could not use, as written to the dead-letter topic: its bytes, why, and where it came from. */
export function deadLetter(source: InboundRecord, reason: SampleRejection, detail: string): OutboundRecord {
  return {
    key: source.key,
    value: source.value ?? Buffer.alloc(0),
    headers: {
      ...source.headers,
      'deadletter-reason': reason,
      'deadletter-detail': detail,
      'deadletter-source': `${source.topic}/${source.partition}@${source.offset}`,
    },
  };
}
