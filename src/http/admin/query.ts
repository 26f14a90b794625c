import { z } from 'zod';
import { EVENT_STATUSES } from '../../store/schema.js';

/** The list filters of the admin API and page: `status`, `q`, `limit`, `before`. */
export const listQuerySchema = z.object({
  status: z.enum(EVENT_STATUSES, { error: `status deve ser um de: ${EVENT_STATUSES.join(', ')}` }).optional(),
  q: z.string().trim().max(200).optional().transform((v) => v || undefined),
  limit: z.coerce.number({ error: 'limit deve ser um número' }).int().min(1).max(200).default(50),
  before: z.coerce.number({ error: 'before deve ser um id' }).int().positive().optional(),
});

export const eventIdSchema = z.coerce.number().int().positive();
