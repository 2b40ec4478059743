/** What pruning did to one image. */
export interface ImagePruning {
  /** Image number in the batch. */
  image: number;
  /** Batch row. */
  row: number;
  /** Sequence position of the image's first visual token (before pruning). */
  start: number;
  /** Visual tokens of the image before pruning. */
  before: number;
  /** Visual tokens kept. */
  after: number;
  /** Kept visual-token indices (0…before−1), ascending. */
  kept: number[];
  /** Where the importance came from (`relevance`, `cls`, `vector`, `function`, or `none` when pruning is off). */
  importance: string;
  /** Kernel backend the method ran on, when it says. */
  backend?: string;
}

/** One prefill through a patched model: token counts and timings. */
export interface PrefillReport {
  /** Method name, or null when pruning was off (`enabled: false`). */
  method: string | null;
  /** Visual tokens over all images, before and after pruning. */
  visualTokens: { before: number; after: number };
  /** Sequence length of each row before pruning. */
  sequenceBefore: number;
  /** Sequence length the LLM prefilled (= `sequenceBefore` − visual tokens dropped per row). */
  prefillTokens: number;
  /** Per image. */
  images: ImagePruning[];
  /** Text embedding + vision encoder + merge, ms. */
  encodeMs: number;
  /** Importance + selection + gathering the kept rows, ms (0 when pruning is off). */
  pruneMs: number;
  /** The LLM prefill (decoder forward over `prefillTokens` tokens), ms. */
  prefillMs: number;
}
