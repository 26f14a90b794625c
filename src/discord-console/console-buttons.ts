import { ComponentType, MessageFlags, TextInputStyle } from 'discord-api-types/v10';
import { isResolvable } from '../domain/inbox-event.js';
import { scrubText } from '../domain/redaction.js';
import { cut } from '../domain/text.js';
import { MAX_NOTE } from '../domain/support-note.js';
import { RESOLVE_MESSAGES, RETRY_MESSAGES } from '../replay/event-replay.js';
import {
  ANSWERS,
  componentDataSchema,
  reply,
  viaOf,
  type Actor,
  type ConsoleAnswer,
  type ConsoleDeps,
  type Interaction,
} from './console-answers.js';
import { customId, parseCustomId, withoutActions } from './components.js';
import { accessButton, accessChangeOf, accessModal, NOTE_INPUT } from './console-access.js';
import { fitMessage } from './discord-limits.js';
import { escapeMarkdown as md } from './discord-markdown.js';

/**
 * The buttons the console puts on messages and the note modal: a press edits the message it is
 * on to say who did what (its buttons for that event gone), or answers only the person who pressed.
 */

const CONTENT_LIMIT = 2000;

/** The message a button belongs to, with a line saying who did what and the event's buttons gone. */
function updated(interaction: Interaction, eventId: number, line: string): ConsoleAnswer {
  const previous = interaction.message?.content ?? '';
  let content = previous ? `${previous}\n${line}` : line;
  if (content.length > CONTENT_LIMIT) content = `…${content.slice(content.length - CONTENT_LIMIT + 1)}`;
  return {
    kind: 'update',
    data: fitMessage({ content, components: withoutActions(interaction.message?.components, eventId), allowed_mentions: { parse: [] } }),
  };
}

/**
 * A button pressed on a message: "Reprocessar", "Resolver" (which opens the note modal),
 * "Remover acesso" / "Devolver acesso" (which open their confirmation modal).
 */
export async function button(deps: ConsoleDeps, interaction: Interaction, actor: Actor): Promise<ConsoleAnswer> {
  const data = componentDataSchema.safeParse(interaction.data);
  const target = data.success ? parseCustomId(data.data.custom_id) : undefined;
  if (!target) return reply(ANSWERS.unknownButton);
  const { eventId } = target;
  const access = accessChangeOf(target.action);
  if (access && !access.modal) return accessButton(deps, eventId, access.change);
  if (target.action === 'retry') {
    const result = await deps.desk.retry(eventId, viaOf(actor));
    if (result !== 'queued') return reply(RETRY_MESSAGES[result].message);
    deps.onRetry?.();
    return interaction.message
      ? updated(interaction, eventId, `✅ #${eventId} reprocessado por @${md(actor.name)}`)
      : reply(`🔁 Evento #${eventId} de volta na fila.`);
  }
  if (target.action === 'resolve') {
    // Said now rather than after the note is typed: the event may have changed meanwhile.
    const event = await deps.desk.get(eventId);
    if (!event) return reply(RESOLVE_MESSAGES.not_found.message);
    if (event.status === 'processing') return reply(RESOLVE_MESSAGES.running.message);
    if (!isResolvable(event)) return reply(RESOLVE_MESSAGES.not_resolvable.message);
    return {
      kind: 'modal',
      data: {
        custom_id: customId('note', eventId),
        title: `Resolver o evento #${eventId}`,
        components: [
          {
            type: ComponentType.ActionRow,
            components: [
              {
                type: ComponentType.TextInput,
                custom_id: NOTE_INPUT,
                label: 'Como foi resolvido?',
                placeholder: 'ex.: cadastrado à mão no EAD',
                style: TextInputStyle.Paragraph,
                required: true,
                max_length: MAX_NOTE,
              },
            ],
          },
        ],
      },
    };
  }
  return reply(ANSWERS.unknownButton);
}

/** The value of a modal's text input, wherever Discord nests it (action rows, or labels). */
function inputValue(node: unknown, id: string, depth = 0): string | undefined {
  if (depth > 4 || !node || typeof node !== 'object') return undefined;
  if (Array.isArray(node)) {
    for (const item of node.slice(0, 10)) {
      const found = inputValue(item, id, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const record = node as Record<string, unknown>;
  if (record.custom_id === id && typeof record.value === 'string') return record.value;
  return inputValue(record.components, id, depth + 1) ?? inputValue(record.component, id, depth + 1);
}

/** A modal submitted: the note of "Resolver" (the event is resolved with it), or an access change's confirmation. */
export async function modal(deps: ConsoleDeps, interaction: Interaction, actor: Actor): Promise<ConsoleAnswer> {
  const data = componentDataSchema.safeParse(interaction.data);
  const target = data.success ? parseCustomId(data.data.custom_id) : undefined;
  const access = target && accessChangeOf(target.action);
  if (!target || (target.action !== 'note' && !access?.modal)) return reply(ANSWERS.unknownButton);
  // Discord's text input takes MAX_NOTE characters; nothing beyond a few times that is even looked at.
  const note = (inputValue((interaction.data as { components?: unknown }).components, NOTE_INPUT) ?? '').slice(0, MAX_NOTE * 4);
  if (access) return accessModal(deps, target.eventId, access.change, note, actor);
  const result = await deps.desk.resolve(target.eventId, note, viaOf(actor));
  if (result === 'no_note') return reply(ANSWERS.noNote);
  if (result !== 'resolved') return reply(RESOLVE_MESSAGES[result].message);
  const shown = md(scrubText(cut(note.replace(/\s+/g, ' ').trim(), 300)));
  if (!interaction.message) return reply(`✅ Evento #${target.eventId} marcado como resolvido: ${shown}`);
  // A channel message (an alert) is not private, and a note may name the buyer in full: there
  // the note stays in the event's story and the message says only who resolved it.
  const ephemeral = ((interaction.message.flags ?? 0) & MessageFlags.Ephemeral) !== 0;
  return updated(
    interaction,
    target.eventId,
    ephemeral
      ? `✅ #${target.eventId} resolvido por @${md(actor.name)}: ${shown}`
      : `✅ #${target.eventId} resolvido por @${md(actor.name)} (a nota está na história do evento)`,
  );
}
