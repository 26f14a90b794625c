import type { Response } from 'express';
import type { Html } from '../html.js';
import type { Flash } from '../views/layout.js';

export function page(res: Response, body: Html, status = 200): void {
  res.status(status).type('html').setHeader('cache-control', 'no-store').send(body.value);
}

/**
 * Messages after a redirect (`?msg=code&n=3`): a fixed table, so a link can never put words on
 * the page.
 */
export function flashFrom(query: unknown, messages: Record<string, (n: number) => Flash>): Flash | undefined {
  const q = (query ?? {}) as Record<string, unknown>;
  const code = typeof q.msg === 'string' ? q.msg : '';
  const n = typeof q.n === 'string' && /^\d{1,9}$/.test(q.n) ? Number(q.n) : 0;
  return Object.hasOwn(messages, code) ? messages[code](n) : undefined;
}

/** A form field that may come once or many times (checkboxes), as strings. */
export function fieldValues(body: unknown, name: string): string[] {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[name] : undefined;
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

export const field = (body: unknown, name: string): string | undefined => fieldValues(body, name)[0];
