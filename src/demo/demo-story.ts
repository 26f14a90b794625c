import { maskDigits } from '../domain/redaction.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { buttonLabels } from './demo-discord.js';

const indent = (text: string, prefix = '        ') =>
  text
    .split('\n')
    .map((l) => `${prefix}${l}`)
    .join('\n');

/** Prints what the fake upstreams receive, as it happens. */
export function narrate(sandbox: Sandbox, say: (line: string) => void): void {
  sandbox.ead.onCall = (call) => {
    const details: string[] = [];
    if (call.query.cpf) details.push(`cpf=${maskDigits(call.query.cpf)}`);
    if (call.form.nome) details.push(`nome="${call.form.nome}"`);
    if (call.form.doc_cpf) details.push(`doc_cpf=${maskDigits(call.form.doc_cpf)}`);
    if (call.form.cursos) details.push(`cursos=${call.form.cursos}`);
    say(`   🎓 EAD       ${call.method} ${call.path}${details.length ? `  (${details.join(', ')})` : ''}`);
  };
  sandbox.chatpro.onCall = (call) => {
    say(`   💬 ChatPro   WhatsApp para ${call.number} → HTTP ${call.status}`);
    if (call.status < 300) say(indent(call.message));
  };
  sandbox.mail.onMail = (mail) => {
    const { subject, text } = mail.parsed;
    say(`   📧 E-mail    para ${mail.envelope.to.join(', ')} (SMTP aceitou: texto e HTML)`);
    say(indent(`Assunto: ${subject ?? ''}`));
    const lines = (text ?? '').split('\n').filter((line) => line.trim() !== '');
    say(indent([...lines.slice(0, 6), '…'].join('\n')));
  };
  sandbox.callmebot.onCall = (call) => {
    say(`   📣 Suporte   (CallMeBot)`);
    say(indent(call.text));
  };
  sandbox.discordApi.onCall = (call) => {
    const body = call.body && typeof call.body === 'object' ? (call.body as Record<string, unknown>) : {};
    const buttons = buttonLabels(body);
    const buttonLine = buttons.length > 0 ? indent(buttons.map((b) => `[${b}]`).join(' ')) : undefined;
    if (call.kind === 'post_message') {
      if (call.status !== 200)
        return say(`   🤖 Discord   o bot tentou postar no canal de alertas → HTTP ${call.status} (tenta de novo depois)`);
      say('   🤖 Discord   o bot posta no canal de alertas:');
      if (typeof body.content === 'string') say(indent(body.content));
      for (const embed of Array.isArray(body.embeds) ? (body.embeds as Array<{ title?: string; description?: string }>) : []) {
        if (embed.title) say(indent(embed.title));
        if (embed.description) say(indent(embed.description, '          '));
      }
      if (buttonLine) say(buttonLine);
    } else if (call.kind === 'update_message' || call.kind === 'edit_message') {
      say('   ✏️  Discord   a mensagem do alerta é editada:');
      if (typeof body.content === 'string') say(indent(body.content));
      say(buttonLine ?? indent('(sem botões de ação)'));
    }
  };
}
