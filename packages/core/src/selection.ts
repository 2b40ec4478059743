/** One merged row of a merge-style method (VisionZip). */
export interface MergedRow {
  /** Kept index whose row this merged row replaces. */
  index: number;
  /** Sorted original indices it absorbed, `index` included. */
  members: number[];
  /** The merged feature row. */
  row: number[];
}

/**
 * The result of a pruning method (docs/formats.md §2). `keep` is always present, sorted ascending;
 * the other fields are diagnostics a method adds where it has them.
 */
export interface Selection {
  /** Method name. */
  method: string;
  /** Number of visual tokens in the input (N). */
  n: number;
  /** Requested budget (visual tokens to keep). */
  budget: number;
  /** Kept indices, sorted ascending, exactly min(budget, N). */
  keep: number[];
  /** D2Pruner: pivot indices, sorted. */
  pivots?: number[];
  /** D2Pruner: supplementary tokens in the order they were taken. */
  picks?: number[];
  /** D2Pruner: MIS rounds that ran. */
  rounds?: number;
  /** Merge-style methods: merged rows. */
  merged?: MergedRow[];
  /** Further method-specific diagnostics (selection order, pivots of DART, …). */
  [diagnostic: string]: unknown;
  /** Which kernel backend ran. */
  backend: string;
  /** Wall-clock timings in milliseconds; `totalMs` always. */
  timings: Record<string, number>;
}
