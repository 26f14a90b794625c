import { ComponentType, TextInputStyle } from 'discord-api-types/v10';
import { scrubText } from '../domain/redaction.js';
import { cut } from '../domain/text.js';
import { ACCESS_CHANGE_WORDS, ACCESS_MESSAGES, canChangeAccess, type AccessChange } from '../support/access-actions.js';
import { ANSWERS, reply, viaOf, type Actor, type ConsoleAnswer, type ConsoleDeps } from './console-answers.js';
import { customId } from './components.js';
import { escapeMarkdown as md } from './discord-markdown.js';
import { MAX_NOTE } from '../domain/support-note.js';

/**
 * "Remover acesso" and "Devolver acesso" from Discord: the button opens a modal that is the
 * confirmation — what will happen, and the note (required) —, and submitting it queues the
 * change like the admin page does (support/access-actions.ts).
 */

/** The note's field in both note modals (this one and the resolution's in console-buttons.ts). */
export const NOTE_INPUT = 'nota';

const MODAL_OF: Record<AccessChange, 'removenote' | 'restorenote'> = { remove: 'removenote', restore: 'restorenote' };

const CONFIRM_LABEL: Record<AccessChange, string> = {
  remove: 'Por que remover? (tira os cursos desta venda)',
  restore: 'Por que devolver? (matricula de novo)',
};

/** The button pressed: the confirmation modal (or why not, at once). */
export async function accessButton(deps: ConsoleDeps, eventId: number, change: AccessChange): Promise<ConsoleAnswer> {
  const event = await deps.desk.get(eventId);
  if (!event) return reply(ACCESS_MESSAGES.not_found.message);
  if (event.personalDataRemovedAt !== null) return reply(ACCESS_MESSAGES.data_removed.message);
  if (!canChangeAccess(event)) return reply(ACCESS_MESSAGES.not_a_sale.message);
  const words = ACCESS_CHANGE_WORDS[change];
  return {
    kind: 'modal',
    data: {
      custom_id: customId(MODAL_OF[change], eventId),
      title: cut(`${words.button} da venda do evento #${eventId}?`, 45),
      components: [
        {
          type: ComponentType.ActionRow,
          components: [
            {
              type: ComponentType.TextInput,
              custom_id: NOTE_INPUT,
              label: CONFIRM_LABEL[change],
              placeholder: change === 'remove' ? 'ex.: aluno pediu para sair' : 'ex.: disputa do chargeback ganha',
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

/** The confirmation modal submitted with its note: the change is queued. */
export async function accessModal(
  deps: ConsoleDeps,
  eventId: number,
  change: AccessChange,
  note: string,
  actor: Actor,
): Promise<ConsoleAnswer> {
  const { result, eventId: queued } = await deps.desk.changeAccess(eventId, change, note, viaOf(actor));
  if (result === 'no_note') return reply(ANSWERS.noAccessNote);
  if (result !== 'queued') return reply(ACCESS_MESSAGES[result].message);
  deps.onRetry?.();
  const shown = md(scrubText(cut(note.replace(/\s+/g, ' ').trim(), 300)));
  return reply(
    `✅ ${ACCESS_CHANGE_WORDS[change].doing} da venda do evento #${eventId} pedida por @${md(actor.name)}: evento #${queued} na fila (${shown}). Veja o resultado com /ponte evento #${queued}.`,
  );
}

/** Which access change a button or modal id names. */
export function accessChangeOf(action: string): { change: AccessChange; modal: boolean } | undefined {
  if (action === 'remove' || action === 'restore') return { change: action, modal: false };
  if (action === 'removenote') return { change: 'remove', modal: true };
  if (action === 'restorenote') return { change: 'restore', modal: true };
  return undefined;
}
