// The latency histogram shared by the bench:chat load processes (which fill it) and the parent (which merges it).

/** Latency histogram: 16 buckets per doubling of microseconds, so a percentile is within about 4%. */
export const BUCKETS_PER_OCTAVE = 16;
export const BUCKET_COUNT = BUCKETS_PER_OCTAVE * 24;

export function bucketOf(micros: number): number {
  if (micros < 1) return 0;
  return Math.min(BUCKET_COUNT - 1, 1 + Math.floor(Math.log2(micros) * BUCKETS_PER_OCTAVE));
}

/** The upper bound in microseconds of a bucket. */
export function bucketMicros(bucket: number): number {
  return bucket === 0 ? 1 : 2 ** (bucket / BUCKETS_PER_OCTAVE);
}
