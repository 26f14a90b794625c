import { z } from 'zod';
import { EVENT_STATUSES } from '../../store/schema.js';

/** The list filters of the admin API and page: `status`, `q`, `limit`, `before`. */
export const listQuerySchema = z.object({
  status: z.enum(EVENT_STATUSES, { error: `status deve ser um de: ${EVENT_STATUSES.join(', ')}` }).optional(),
  q: z
    .string()
    .trim()
    .max(200)
    .optional()
    .transform((v) => v || undefined),
  limit: z.coerce
    .number({ error: 'limit deve ser um número' })
    .int('limit deve ser inteiro')
    .min(1, 'limit deve estar entre 1 e 200')
    .max(200, 'limit deve estar entre 1 e 200')
    .default(50),
  before: z.coerce.number({ error: 'before deve ser um id' }).int('before deve ser um id').positive('before deve ser um id').optional(),
});

export const eventIdSchema = z.coerce.number().int().positive();
