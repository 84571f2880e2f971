import { z } from 'zod';

// Shared by POST /api/hosts/enrollment-tokens and the "Add host" form.
export const enrollmentTokenSchema = z
  .object({
    hostName: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'Lowercase letters, digits and dashes (up to 63)'),
  })
  .strict();
export type EnrollmentTokenInput = z.input<typeof enrollmentTokenSchema>;

export type EnrollmentTokenDto = { hostName: string; token: string; expiresInMinutes: number; reEnroll: boolean };

export const HOST_SORTS = ['name', 'cpu', 'memory'] as const;
export type HostSort = (typeof HOST_SORTS)[number];
// Names A to Z; the busiest first for the figures.
export const HOST_SORT_DEFAULT_ORDER: Record<HostSort, 'asc' | 'desc'> = { name: 'asc', cpu: 'desc', memory: 'desc' };
export const HOST_STATUS_FILTERS = ['online', 'offline', 'maintenance'] as const;

// GET /api/hosts: a page of the hosts the filters match (every filter is optional).
export const hostsQuerySchema = z
  .object({
    // A part of the host's name (lowercase letters, digits and dashes, as names are).
    q: z
      .string()
      .trim()
      .toLowerCase()
      .max(63, 'At most 63 characters')
      .regex(/^[a-z0-9-]*$/, 'Letters, digits and dashes (what host names are made of)')
      .optional(),
    site: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'A site name: lowercase letters, digits and dashes')
      .optional(),
    status: z.enum(HOST_STATUS_FILTERS).optional(),
    sort: z.enum(HOST_SORTS).default('name'),
    order: z.enum(['asc', 'desc']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
    // The last host of the previous page (its Link header names it): the page after it.
    cursor: z.string().min(1).max(64).optional(),
  })
  .strict();
export type HostsQuery = z.output<typeof hostsQuerySchema>;
