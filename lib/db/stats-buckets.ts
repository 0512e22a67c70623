import { sql, type RawBuilder } from 'kysely';

/** Time-series buckets of the statistics: UTC-aligned (a day is 00:00Z to 24:00Z). */
export type Bucket = 'minute' | 'hour' | 'day';
export const BUCKETS: readonly Bucket[] = ['minute', 'hour', 'day'];
export const BUCKET_MS: Record<Bucket, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** A bucketed range: from and to are bucket boundaries, to exclusive. */
export interface BucketRange {
  bucket: Bucket;
  from: Date;
  to: Date;
}

/** The range widened to whole buckets: from rounded down, to rounded up. */
export function alignRange(bucket: Bucket, fromMs: number, toMs: number): BucketRange {
  const step = BUCKET_MS[bucket];
  return { bucket, from: new Date(Math.floor(fromMs / step) * step), to: new Date(Math.ceil(toMs / step) * step) };
}

export const bucketCount = (r: BucketRange): number => Math.round((r.to.getTime() - r.from.getTime()) / BUCKET_MS[r.bucket]);

/** The bucket's length as an SQL interval (in seconds: adding it never depends on the session's time zone). */
const step = (bucket: Bucket): RawBuilder<unknown> => sql`make_interval(secs => ${BUCKET_MS[bucket] / 1000}::int)`;

/** SQL: the start of the bucket holding the timestamptz `column`. */
export const bucketStart = (bucket: Bucket, column: RawBuilder<unknown>): RawBuilder<Date> =>
  sql<Date>`date_bin(${step(bucket)}, ${column}, TIMESTAMPTZ '1970-01-01T00:00:00Z')`;

/** SQL: a set of every bucket start of the range (`SELECT at FROM ${bucketStarts(range)} AS b(at)`), empty ones too. */
export const bucketStarts = (r: BucketRange): RawBuilder<Date> =>
  sql<Date>`generate_series(${r.from}::timestamptz, ${r.to}::timestamptz - ${step(r.bucket)}, ${step(r.bucket)})`;

/** A bigint or numeric aggregate as pg hands it (a string), or null, as a number. */
export const num = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));
