import { z } from 'zod';
import { METRIC_RANGES, type MetricRange } from './dto';

export const rangeQuerySchema = z
  .object({ range: z.enum(Object.keys(METRIC_RANGES) as [MetricRange, ...MetricRange[]]).default('15m') })
  .strict();
