// One labelled string of the PII test corpus.
export interface CorpusEntry {
  text: string;
  /** Detectors expected to fire (each at least once); empty for a hard negative. */
  expect: string[];
  note?: string;
}
