import { maskDigits } from '../domain/privacy.js';
import type { Sandbox } from '../sandbox/index.js';

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
  sandbox.callmebot.onCall = (call) => {
    say(`   📣 Suporte   (CallMeBot)`);
    say(indent(call.text));
  };
}
