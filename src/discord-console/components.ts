import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIComponentInMessageActionRow,
  type APIMessageTopLevelComponent,
} from 'discord-api-types/v10';
import { causeOf } from '../domain/causes.js';

/**
 * The buttons and modal the console puts on messages, and the ids Discord sends back when one is
 * pressed: `ponte:retry:42`, `ponte:resolve:42` (opens the note modal), `ponte:note:42` (the modal);
 * `ponte:remove:42` and `ponte:restore:42` (a sale's access: each opens its confirmation modal,
 * `ponte:removenote:42`, `ponte:restorenote:42`).
 */
export type ComponentAction = 'retry' | 'resolve' | 'note' | 'remove' | 'restore' | 'removenote' | 'restorenote';

const CUSTOM_ID = /^ponte:(retry|resolve|note|remove|restore|removenote|restorenote):(\d{1,15})$/;

export function customId(action: ComponentAction, eventId: number): string {
  return `ponte:${action}:${eventId}`;
}

export function parseCustomId(value: unknown): { action: ComponentAction; eventId: number } | undefined {
  const match = typeof value === 'string' ? CUSTOM_ID.exec(value) : null;
  if (!match) return undefined;
  const eventId = Number(match[2]);
  return Number.isSafeInteger(eventId) && eventId > 0 ? { action: match[1] as ComponentAction, eventId } : undefined;
}

/** The admin page of an event, when the server's public address is known. */
export function panelLink(panelUrl: string | undefined, eventId: number): string | undefined {
  return panelUrl ? `${panelUrl.replace(/\/+$/, '')}/admin/events/${eventId}` : undefined;
}

export interface ButtonChoice {
  eventId: number;
  retry: boolean;
  resolve: boolean;
  /** "Remover acesso" and "Devolver acesso" of the event's sale. */
  access?: boolean;
  /** The event's admin page ("Abrir no painel"). */
  link?: string;
  /** Several events on one message: the labels say which ("Reprocessar #42"). */
  numbered?: boolean;
}

/** One row of buttons for an event: "Reprocessar", "Resolver", "Remover/Devolver acesso", "Abrir no painel" (only those that apply). */
export function eventButtons(choice: ButtonChoice): APIActionRowComponent<APIComponentInMessageActionRow> | undefined {
  const suffix = choice.numbered ? ` #${choice.eventId}` : '';
  const buttons: APIButtonComponent[] = [];
  if (choice.retry) {
    buttons.push({
      type: ComponentType.Button,
      style: ButtonStyle.Primary,
      label: `Reprocessar${suffix}`,
      custom_id: customId('retry', choice.eventId),
    });
  }
  if (choice.resolve) {
    buttons.push({
      type: ComponentType.Button,
      style: ButtonStyle.Secondary,
      label: `Resolver${suffix}`,
      custom_id: customId('resolve', choice.eventId),
    });
  }
  if (choice.access) {
    buttons.push(
      {
        type: ComponentType.Button,
        style: ButtonStyle.Danger,
        label: `Remover acesso${suffix}`,
        custom_id: customId('remove', choice.eventId),
      },
      {
        type: ComponentType.Button,
        style: ButtonStyle.Secondary,
        label: `Devolver acesso${suffix}`,
        custom_id: customId('restore', choice.eventId),
      },
    );
  }
  if (choice.link)
    buttons.push({ type: ComponentType.Button, style: ButtonStyle.Link, label: `Abrir no painel${suffix}`, url: choice.link });
  return buttons.length > 0 ? { type: ComponentType.ActionRow, components: buttons } : undefined;
}

/** Whether "Reprocessar" can change a failure's outcome (an unmapped plan: once support maps it). */
export function retryMayHelp(code: string | null): boolean {
  return code === 'unmapped_plan' || causeOf(code).retryHelps;
}

/** Discord shows at most five rows of components on a message. */
export const MAX_ROWS = 5;

/**
 * A message's rows once an event was dealt with: its "Reprocessar" and "Resolver" buttons go
 * (the link stays), so nobody presses them twice. Rows it leaves empty go too.
 */
export function withoutActions(rows: unknown, eventId: number): APIMessageTopLevelComponent[] {
  if (!Array.isArray(rows)) return [];
  const gone = new Set([customId('retry', eventId), customId('resolve', eventId)]);
  const out: APIMessageTopLevelComponent[] = [];
  for (const row of rows as Array<{ type?: unknown; components?: unknown }>) {
    if (!row || row.type !== ComponentType.ActionRow || !Array.isArray(row.components)) continue;
    const kept = (row.components as Array<{ custom_id?: unknown }>).filter(
      (c) => c && typeof c === 'object' && !gone.has(String(c.custom_id)),
    ) as APIComponentInMessageActionRow[];
    if (kept.length > 0) out.push({ type: ComponentType.ActionRow, components: kept });
  }
  return out;
}
