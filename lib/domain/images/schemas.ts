import { z } from 'zod';

const source = z
  .string()
  .trim()
  .min(1, 'Give a file path on the host or an http(s) URL')
  .max(4096, 'At most 4096 characters')
  .refine((s) => s.startsWith('/') || /^https?:\/\/\S+$/.test(s), 'An absolute path (/...) or an http(s):// URL');

// Shared by POST /api/images and the import form. Sources are one string: a path or a URL.
export const importImageSchema = z
  .object({
    name: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'Lowercase letters, digits, dot, dash, underscore'),
    version: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/, 'Letters, digits, dot, dash, underscore'),
    description: z.string().max(500).default(''),
    disk: source,
    kernel: source.optional(),
    initrd: source.optional(),
    append: z.string().max(500).optional(),
    sha256: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-f0-9]{64}$/, '64 hex characters')
      .optional(),
    // The least memory a VM of this image boots with; VM create refuses less.
    minMemoryMiB: z
      .number({ error: 'Enter a number' })
      .int('Whole MiB')
      .min(16, 'At least 16 MiB')
      .max(262144, 'At most 256 GiB')
      .optional(),
    hostId: z.string().min(1).default('auto'), // the host whose agent fetches the source
    // The site whose image repository receives it (VMs of it are placed there); default: the
    // named host's site, or 'main' on 'auto' (the host is then chosen in that site).
    site: z
      .string()
      .trim()
      .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'Lowercase letters, digits and -')
      .optional(),
  })
  .strict();
export type ImportImageInput = z.input<typeof importImageSchema>;
