import { z } from 'zod';
import { cleanText } from '../domain/clean-text.js';
import { MAX_PLAN_NAME } from '../plans/plan-map.js';
import { EVENT_STATUSES } from '../domain/inbox-event.js';
import { MAX_NOTE } from '../domain/support-note.js';

const optionalText = (max: number, field: string) =>
  z
    .string()
    .trim()
    .max(max)
    .refine(...cleanText(field))
    .optional()
    .transform((v) => v || undefined);

/** An error code, as the failures carry it (`unmapped_plan`, `http_503`). */
const causeCode = z.string().regex(/^[a-z0-9_]{1,64}$/, 'motivo inválido');

/** The list filters of the admin API and page: `status`, `cause`, `q`, `limit`, `before`. */
export const listQuerySchema = z.object({
  status: z.enum(EVENT_STATUSES, { error: `status deve ser um de: ${EVENT_STATUSES.join(', ')}` }).optional(),
  cause: causeCode.optional(),
  q: optionalText(200, 'A busca'),
  limit: z.coerce
    .number({ error: 'limit deve ser um número' })
    .int('limit deve ser inteiro')
    .min(1, 'limit deve estar entre 1 e 200')
    .max(200, 'limit deve estar entre 1 e 200')
    .default(50),
  before: z.coerce.number({ error: 'before deve ser um id' }).int('before deve ser um id').positive('before deve ser um id').optional(),
});

export const eventIdSchema = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/** A plan name in a URL (`/admin/api/plans/:name`). */
export const planNameSchema = z
  .string({ error: 'informe o nome do plano' })
  .min(1, 'informe o nome do plano')
  .max(20_000, 'nome do plano longo demais') // bounded by the URL; validatePlan names a long one
  .refine(...cleanText('O nome do plano'));

/** `{"note": "…"}` of an action support must say something about; `missing` is said when it does not. */
const noteBodySchema = (missing: string) =>
  z.strictObject({
    note: z
      .string({ error: missing })
      .trim()
      .min(1, missing)
      .max(MAX_NOTE, `nota longa demais (máx. ${MAX_NOTE} caracteres)`)
      .refine(...cleanText('A nota', { multiline: true })),
  });

/** `{"note": "…"}` of "Marcar como resolvido". */
export const resolveBodySchema = noteBodySchema('informe uma nota dizendo como foi resolvido');

/** `{"note": "…"}` of "Remover acesso" and "Devolver acesso": why. */
export const accessBodySchema = noteBodySchema('informe uma nota dizendo por que');

/** `{"code": "…"}` or `{"plan": "…"}` of "Reprocessar todos". */
export const bulkRetrySchema = z
  .strictObject({
    code: causeCode.optional(),
    plan: z
      .string()
      .trim()
      .min(1)
      .max(MAX_PLAN_NAME)
      .refine(...cleanText('O nome do plano'))
      .optional(),
  })
  .refine((f) => f.code !== undefined || f.plan !== undefined, 'informe "code" (motivo) ou "plan" (plano)');

/**
 * "Reenviar boas-vindas": `{"phone": "…"}` (WhatsApp, the corrected mobile; `"channel": "whatsapp"`
 * optional) or `{"channel": "email", "email": "…"}` (the corrected address).
 */
export const welcomeBodySchema = z.union([
  z.strictObject({ channel: z.literal('whatsapp').optional(), phone: z.string({ error: 'informe o celular' }).trim().min(8).max(40) }),
  z.strictObject({ channel: z.literal('email'), email: z.string({ error: 'informe o e-mail' }).trim().min(3).max(320) }),
]);

/** An erasure on the holder's request: the CPF, a note for the record, and `confirm` to carry it out. */
export const eraseBodySchema = z.strictObject({
  cpf: z
    .string({ error: 'informe o CPF do titular' })
    .trim()
    .min(11, 'informe o CPF do titular')
    .max(20, 'CPF inválido')
    .refine(...cleanText('O CPF')),
  note: z
    .string()
    .max(500, 'nota com até 500 caracteres')
    .refine(...cleanText('A nota', { multiline: true }))
    .optional(),
  confirm: z.boolean().optional(),
});

/** The messages of a failed parse, in one line. */
export const problemsOf = (error: z.ZodError) => error.issues.map((i) => i.message).join('; ');
