import { InteractionType } from 'discord-api-types/v10';
import { button, modal } from './console-buttons.js';
import { command } from './console-commands.js';
import { ANSWERS, reply, type Actor, type ConsoleAnswer, type ConsoleDeps, type Interaction } from './console-answers.js';

/**
 * The support console: what each slash command, button and modal does, as the admin API does it
 * (the same support use cases, rules and pt-BR answers, through its port: console-port.ts), and
 * who may use it. Answers to commands are ephemeral (only the person who asked sees them: they
 * carry personal data); a button on an alert edits that message to say who did what.
 */

export { ANSWERS, interactionSchema, reply, viaOf } from './console-answers.js';
export type { Actor, ConsoleAnswer, ConsoleDeps, Interaction } from './console-answers.js';

/** The member acting, or undefined when they may not (another server, a DM, no support role). */
export function actorOf(deps: Pick<ConsoleDeps, 'guildId' | 'supportRoleId'>, interaction: Interaction): Actor | undefined {
  const member = interaction.member;
  if (interaction.guild_id !== deps.guildId || !member?.user || !member.roles.includes(deps.supportRoleId)) return undefined;
  const name = (member.user.username ?? member.user.global_name ?? member.user.id).replace(/[^\p{L}\p{N}._-]/gu, '').slice(0, 40);
  return { id: member.user.id, name: name || member.user.id };
}

/** Answers an interaction from a support member (PING and permissions are the route's). */
export async function answer(deps: ConsoleDeps, interaction: Interaction, actor: Actor): Promise<ConsoleAnswer> {
  switch (interaction.type) {
    case InteractionType.ApplicationCommand:
      return command(deps, interaction, actor);
    case InteractionType.MessageComponent:
      return button(deps, interaction, actor);
    case InteractionType.ModalSubmit:
      return modal(deps, interaction, actor);
    default:
      return reply(ANSWERS.unknownCommand);
  }
}
