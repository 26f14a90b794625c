import type { APIEmbed } from 'discord-api-types/v10';
import { cut } from '../domain/text.js';

/**
 * Discord's limits on a message (https://discord.com/developers/docs/resources/message#embed-object-embed-limits):
 * a message over any of them is refused whole with a 400. Every message the bridge sends goes
 * through `fitMessage`, so it fits by construction. Lengths are counted in UTF-16 units, never
 * fewer than the characters Discord counts.
 */
export const DISCORD_LIMITS = {
  content: 2_000,
  embeds: 10,
  /** Title, description, field names and values, footer text and author name of every embed of a message, together. */
  embedTotal: 6_000,
  title: 256,
  description: 4_096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1_024,
  footer: 2_048,
  author: 256,
} as const;

/** The characters of an embed Discord counts towards a message's 6,000. */
export function embedSize(e: APIEmbed): number {
  const fields = (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
  return (e.title?.length ?? 0) + (e.description?.length ?? 0) + fields + (e.footer?.text.length ?? 0) + (e.author?.name.length ?? 0);
}

/** One embed within each field's limit. */
export function fitEmbed(e: APIEmbed): APIEmbed {
  const L = DISCORD_LIMITS;
  const out: APIEmbed = { ...e };
  if (e.title !== undefined) out.title = cut(e.title, L.title);
  if (e.description !== undefined) out.description = cut(e.description, L.description);
  if (e.fields) {
    out.fields = e.fields.slice(0, L.fields).map((f) => ({ ...f, name: cut(f.name, L.fieldName), value: cut(f.value, L.fieldValue) }));
  }
  if (e.footer) out.footer = { ...e.footer, text: cut(e.footer.text, L.footer) };
  if (e.author) out.author = { ...e.author, name: cut(e.author.name, L.author) };
  return out;
}

/** `e` cut to at most `budget` counted characters (its description first, then its fields and title), or undefined when nothing of it fits. */
function shrinkTo(e: APIEmbed, budget: number): APIEmbed | undefined {
  const size = embedSize(e);
  if (size <= budget) return e;
  if (budget < 2) return undefined;
  const out: APIEmbed = { ...e, fields: undefined, footer: undefined, author: undefined };
  const title = cut(e.title ?? '', Math.min(DISCORD_LIMITS.title, Math.max(0, budget - 1)));
  out.title = title || undefined;
  const room = budget - title.length;
  if (room < 2) return title ? { ...out, description: undefined } : undefined;
  out.description = cut(e.description ?? '—', room);
  return out;
}

/** What a message carries that Discord limits (channel messages and interaction answers alike). */
export interface LimitedMessage {
  content?: string;
  embeds?: APIEmbed[];
}

/**
 * `message` within Discord's limits: content cut to 2,000, at most 10 embeds, each within its
 * fields' limits, and all of them within 6,000 characters — embeds are kept in order, the first
 * one that would pass the total is cut to what is left, and the ones after it go. Nothing is
 * ever refused for its size.
 */
export function fitMessage<M extends LimitedMessage>(message: M): M {
  const out: M = { ...message };
  if (message.content !== undefined) out.content = cut(message.content, DISCORD_LIMITS.content);
  if (message.embeds) {
    let budget: number = DISCORD_LIMITS.embedTotal;
    const kept: APIEmbed[] = [];
    for (const embed of message.embeds.slice(0, DISCORD_LIMITS.embeds)) {
      const fitted = shrinkTo(fitEmbed(embed), budget);
      if (!fitted) break;
      kept.push(fitted);
      budget -= embedSize(fitted);
    }
    out.embeds = kept;
  }
  return out;
}
