-- 64-bit ids for the metric tables (the schema, shared with SQLite, keeps them Int: no code reads
-- them). At fleet size (8,000 samples/s) a 32-bit sequence runs out in 3 days, and each rollup
-- fold takes a sequence value for every row it writes or updates (ON CONFLICT).
ALTER TABLE "MetricSample" ALTER COLUMN "id" TYPE BIGINT;
ALTER SEQUENCE "MetricSample_id_seq" AS BIGINT;
ALTER TABLE "MetricRollup" ALTER COLUMN "id" TYPE BIGINT;
ALTER SEQUENCE "MetricRollup_id_seq" AS BIGINT;
