import { afterEach, describe, expect, it } from 'vitest';
import { STORE_ENVS } from '../helpers/databases.js';
import { fixture } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';

/**
 * Order bumps: a product added at checkout is its own order of its own product, approved seconds
 * after the main one. One buyer, one purchase: one cadastro, and welcomes that agree.
 */

const CPF = '11144477735';
const MAIN_ORDER = '0b7c6f1e-2222-4a2b-9c3d-000000000002'; // the one-off fixture's order (ref GhI2jKl, "Design Gráfico")

let server: SandboxedServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** The bump: same buyer, its own order of its own product, a moment after the main order. */
function bumpOf(product: string, orderId = 'b0b0b0b0-0000-4000-8000-000000000001'): Record<string, any> {
  const bump = fixture('order_approved.one_off');
  bump.order_id = orderId;
  bump.order_ref = 'BmP0001';
  bump.Product = { product_id: 'prod-bump', product_name: product };
  return bump;
}

describe.each(STORE_ENVS)('an order bump read as one purchase ($name)', ({ env, available }) => {
  it('two approvals seconds apart: one cadastro, one password told once, the second welcome points to it', async ({ skip }) => {
    if (!available) skip('TEST_DATABASE_URL não definido');
    server = await startSandboxedServer(await env());
    const { sandbox, deliver, settled } = server;
    const main = (await deliver(fixture('order_approved.one_off'))).body.eventId;
    const bump = (await deliver(bumpOf('Inglês Fluente'))).body.eventId;
    await settled(main);
    const second = await settled(bump);

    expect(sandbox.ead.callsTo('POST', '/alunos').filter((c) => c.path === '/alunos')).toHaveLength(1);
    const student = sandbox.ead.studentByCpf(CPF)!;
    expect([...student.courses.keys()].sort()).toEqual(['169', '254', '263', '280', '281', '751']);
    const [first, next] = sandbox.chatpro.delivered.map((m) => m.message);
    expect(sandbox.chatpro.delivered).toHaveLength(2);
    expect(first).toContain('Sua matrícula no plano *Design Gráfico* está confirmada.');
    expect(first).toContain(`Senha: ${student.senha}`);
    // Never a second password, never "the password you already use" to someone who just got theirs.
    expect(next).toContain('Sua matrícula no plano *Inglês Fluente* está confirmada.');
    expect(next).toContain('Senha: a mesma da mensagem de boas-vindas do plano *Design Gráfico*, comprado junto.');
    expect(next).not.toContain('a mesma que você já usa');
    expect(next).not.toContain(student.senha);
    expect(second.outcome).toBe(`Aluno ${student.id} matriculado em 263, 280, 281; boas-vindas enviadas por WhatsApp.`);
  });

  it('an unmapped bump fails saying it was probably a bump of the order approved with it', async ({ skip }) => {
    if (!available) skip('TEST_DATABASE_URL não definido');
    server = await startSandboxedServer(await env());
    const { deliver, settled } = server;
    const main = (await deliver(fixture('order_approved.one_off'))).body.eventId;
    const bump = (await deliver(bumpOf('Bônus: Kit de Pincéis'))).body.eventId;
    await settled(main);
    const failed = await settled(bump, 'failed');
    expect(failed.lastErrorCode).toBe('unmapped_plan');
    expect(failed.lastError).toBe(
      'O plano "Bônus: Kit de Pincéis" não está no mapa de planos. Cadastre-o em Planos (/admin/plans): a venda é reprocessada sozinha. ' +
        'Provável order bump: aprovado junto com o pedido GhI2jKl (Design Gráfico), que foi concluído.',
    );
    await waitFor(() => server!.sandbox.callmebot.calls.some((c) => c.text.includes('Provável order bump')), 5_000, 'the alert');
  });

  it("a sale found through Kiwify's API names its main order from parent_order_id", async ({ skip }) => {
    if (!available) skip('TEST_DATABASE_URL não definido');
    server = await startSandboxedServer(await env(), undefined, { kiwifyApi: true });
    const { sandbox, runtime, deliver, settled } = server;
    await settled((await deliver(fixture('order_approved.one_off'))).body.eventId);
    // The bump's webhook was lost; the reconciliation finds it in the API, which names its main order.
    sandbox.kiwifyApi.addSale({
      status: 'paid',
      parent_order_id: MAIN_ORDER,
      product: { name: 'Bônus: Kit de Pincéis' },
      customer: { name: 'Beltrana Exemplo da Silva', email: 'beltrana@example.com', cpf: CPF, mobile: '+5521912345678' },
    });
    const report = (await runtime.reconciler!.runNow())!;
    runtime.worker.wake();
    const failed = await settled(report.queuedIds[0], 'failed');
    expect(failed.lastError).toMatch(
      /não está no mapa de planos\. .* É um order bump do pedido GhI2jKl \(Design Gráfico\), que foi concluído: a Kiwify vendeu este produto junto com ele\.$/,
    );
  });
});
