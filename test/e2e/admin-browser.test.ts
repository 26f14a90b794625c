import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedSale } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';

/**
 * The admin page in a real browser, as support uses it on a phone and a laptop: Debian's
 * chromium driven by playwright-core. `.ci/run` installs chromium when missing; a local run
 * without it skips with a message. The tests run in order on one server.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`Chromium não encontrado em ${CHROMIUM}: o teste do painel no navegador será pulado.`);

const ADMIN = 'admin-token-for-browser-0123456789';
const PHONE = { width: 390, height: 844 };
const LAPTOP = { width: 1280, height: 800 };
const sendMessage = (req: { path: string }) => req.path.endsWith('/send_message');
/** Where to keep screenshots of the pages at 390 px for a person to look at (unset: none taken). */
const SCREENSHOTS = process.env.SCREENSHOTS_DIR;

describe.skipIf(!available)('admin page in a headless browser', () => {
  let browser: Browser;
  let server: SandboxedServer;

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // Retries an hour apart: an event that failed once stays "aguardando nova tentativa".
    server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN }, undefined, {
      tuning: { maxAttempts: 3, retryBaseMs: 3_600_000, retryMaxMs: 3_600_000 },
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signedIn(viewport = PHONE): Promise<Page> {
    const page = await browser.newPage({ viewport });
    page.on('dialog', (d) => {
      throw new Error(`unexpected dialog: ${d.message()}`);
    });
    await page.goto(`${server.runtime.url()}/admin`);
    await page.fill('#token', ADMIN);
    await page.click('button[type=submit]');
    await page.waitForSelector('table');
    return page;
  }

  /** How many pixels the page is wider than the window (0: nothing to scroll sideways). */
  const overflow = (page: Page) => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');

  /** A page at 390 px and at 1280 px: nothing wider than the window (the page is left at 390 px). */
  async function fitsPhoneAndLaptop(page: Page, path: string): Promise<void> {
    await page.goto(`${server.runtime.url()}${path}`);
    for (const viewport of [LAPTOP, PHONE]) {
      await page.setViewportSize(viewport);
      expect(await overflow(page), `${path} at ${viewport.width} px`).toBeLessThanOrEqual(0);
    }
  }

  it('sign in, see a retrying event and why, press "Reprocessar", see it done; a <script> name is text', async () => {
    const { sandbox, deliver, settled, runtime } = server;
    sandbox.chatpro.faults.failNext('html_502', 1, sendMessage);
    const sale = approvedSale(1);
    sale.Customer.full_name = '<script>window.__pwned = 1</script> Souza';
    sale.Customer.email = 'umenderecodeemailmuitocompridosemespacosnemhifensparaquebrar@escolaexemplodecursos.com.br';
    const { eventId } = (await deliver(sale)).body;
    await settled(eventId, 'retrying');

    const login = await browser.newPage({ viewport: PHONE });
    await login.goto(`${runtime.url()}/admin`);
    await login.fill('#token', 'token-errado');
    await login.click('button[type=submit]');
    await expect.poll(() => login.textContent('[role=alert]')).toContain('Token inválido');
    await login.close();

    const page = await signedIn();
    const row = page.locator('tbody tr', { hasText: 'Souza' });
    await expect.poll(() => row.count()).toBe(1);
    // On a phone the row still shows the plan, the order and the reason.
    expect(await row.locator('td[data-label=Cliente]').textContent()).toBe('<script>window.__pwned = 1</script> Souza');
    expect(await row.locator('td[data-label=Plano]').isVisible()).toBe(true);
    expect(await row.locator('td[data-label=Pedido]').textContent()).toBe('REF1');
    expect(await row.locator('td[data-label=Motivo]').textContent()).toBe('Serviço fora do ar');
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(await overflow(page)).toBeLessThanOrEqual(0);

    await row.locator('a').first().click();
    await page.waitForSelector('h1');
    expect(await page.textContent('h1')).toContain('aguardando nova tentativa');
    const todo = await page.textContent('.todo');
    expect(todo).toContain('Nova tentativa automática em');
    expect(todo).toContain('ChatPro falhou (HTTP 502): página HTML "502 | Cloudflare"');
    expect(todo).not.toContain('<');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await fitsPhoneAndLaptop(page, `/admin/events/${eventId}`);

    await page.click('button:has-text("Reprocessar")');
    await expect.poll(() => page.textContent('[role=status]')).toContain('Evento enviado para reprocessamento');
    await waitFor(async () => (await runtime.store.events.get(Number(eventId)))?.status === 'done', 10_000, 'done');
    await page.reload();
    expect(await page.textContent('h1')).toContain('concluído');
    expect(await page.locator('button:has-text("Reprocessar")').count()).toBe(0);
    expect(await page.locator('.todo').count()).toBe(0);
    expect(await page.textContent('dl')).toMatch(/Tentativas\s*2/);
    const story = (await page.textContent('ol.story'))!;
    expect(story).toContain('Reprocessamento pedido pelo painel.');
    expect(story).toContain('Matriculado em Adobe Illustrator CC, CorelDRAW, Adobe Photoshop CC.');
    expect(story).not.toMatch(/[{}]/);
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(sandbox.chatpro.delivered).toHaveLength(1);
  });

  it('support maps an unmapped plan by picking courses, and the waiting sale completes by itself', async () => {
    const { sandbox, deliver, settled } = server;
    const sale = approvedSale(2);
    sale.Product = { product_id: 'produto-pacote-design-express', product_name: 'Pacote Design Express' };
    const { eventId } = (await deliver(sale)).body;
    await settled(eventId, 'failed');

    const page = await signedIn();
    await page.click('nav.main a:has-text("Planos")');
    await page.waitForSelector('h1:has-text("Planos")');
    const row = page.locator('tbody tr').first();
    expect((await row.locator('td[data-label=Plano]').textContent())?.trim()).toBe('Pacote Design Express');
    expect(await row.locator('td[data-label=Aguardando]').textContent()).toBe('1');
    await fitsPhoneAndLaptop(page, '/admin/plans');

    await row.locator('a:has-text("Cadastrar")').click();
    await page.waitForSelector('fieldset.courses');
    expect(await page.inputValue('#name')).toBe('Pacote Design Express');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    // The catalog (141 courses) stays folded: support searches by name, on the server (no script).
    expect(await page.getByRole('checkbox', { name: 'CorelDRAW (751)', exact: true }).isVisible()).toBe(false);
    await page.fill('#q', 'photoshop');
    await page.press('#q', 'Enter'); // Enter searches (the form's first button), it does not save
    await page.waitForURL(/\/admin\/plans\/edit\?.*q=photoshop/);
    // By name (the id beside it tells apart courses of the same name).
    await page.getByRole('checkbox', { name: 'Adobe Photoshop CC (169)', exact: true }).check();
    await page.fill('#q', 'corel');
    await page.click('button:has-text("Buscar")');
    await page.waitForURL(/q=corel/);
    // The tick from the first search is kept, on top; the name typed too.
    expect(await page.getByRole('checkbox', { name: 'Adobe Photoshop CC (169)', exact: true }).isChecked()).toBe(true);
    expect(await page.inputValue('#name')).toBe('Pacote Design Express');
    expect(await page.locator('fieldset.courses .list label', { hasText: 'Photoshop' }).count()).toBe(1);
    await page.getByRole('checkbox', { name: 'CorelDRAW (751)', exact: true }).check();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect(await page.evaluate('document.documentElement.scrollHeight')).toBeLessThan(2_000); // not 5,000 px of checkboxes
    await page.click('button:has-text("Salvar plano")');
    await expect.poll(() => page.textContent('[role=status]')).toContain('1 venda(s) que aguardavam este plano foram reprocessadas');
    await settled(eventId);
    expect(sandbox.ead.callsTo('POST', '/alunos/matricula/').at(-1)!.form.cursos).toBe('169,751');
    await fitsPhoneAndLaptop(page, `/admin/plans/edit?name=${encodeURIComponent('Pacote Design Express')}`);

    // An id the catalog does not have cannot be saved: the page says which.
    const box = page.locator('fieldset.courses input[type=checkbox]').first();
    await box.evaluate((input, value) => input.setAttribute('value', value), '999001');
    await box.check();
    await page.click('button:has-text("Salvar plano")');
    await expect.poll(() => page.textContent('[role=alert]')).toContain('Curso(s) que não existem no catálogo do EAD: 999001.');
  });

  it("on a phone, support gives a plan its days of access and Kiwify's plan id; Planos shows the name Kiwify gives it now", async () => {
    const { deliver, settled } = server;
    const name = 'Pacote Design Express';
    const editPath = `/admin/plans/edit?name=${encodeURIComponent(name)}`;
    const page = await signedIn();
    await page.goto(`${server.runtime.url()}${editPath}`);
    // The sale that waited for the plan, found by its name, taught it the product's id.
    expect(await page.inputValue('#kiwifyProductId')).toBe('produto-pacote-design-express');
    expect(await page.inputValue('#kiwifyPlanId')).toBe('');
    await page.fill('#accessDays', '365');
    await page.fill('#kiwifyPlanId', 'plano-pacote-design');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'plan-edit-390.png'), fullPage: true });
    await page.click('button:has-text("Salvar plano")');
    await expect.poll(() => page.textContent('[role=status]')).toContain('Plano salvo');
    expect(await page.inputValue('#accessDays')).toBe('365');
    expect(await page.inputValue('#kiwifyPlanId')).toBe('plano-pacote-design');

    // Kiwify renames the product: its next sale is found by the product's id.
    const sale = approvedSale(90);
    sale.Product = { product_id: 'produto-pacote-design-express', product_name: 'Pacote Design Express 2027' };
    expect((await settled((await deliver(sale)).body.eventId)).status).toBe('done');
    await page.goto(`${server.runtime.url()}/admin/plans`);
    const row = page.locator('tbody tr', { has: page.locator(`strong:text-is("${name}")`) });
    expect(await row.locator('td[data-label=Plano]').textContent()).toContain('nome atual na Kiwify: “Pacote Design Express 2027”');
    expect(await row.locator('td[data-label=Cursos]').textContent()).toContain('acesso por 365 dias');
    await fitsPhoneAndLaptop(page, '/admin/plans');
    if (SCREENSHOTS) await row.screenshot({ path: join(SCREENSHOTS, 'plans-row-390.png') });
    await fitsPhoneAndLaptop(page, editPath);
    expect(await page.textContent('main')).toContain('Nome atual na Kiwify: “Pacote Design Express 2027”');
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, 'plan-edit-renamed-390.png'), fullPage: true });
  });

  it('a new plan: the search works before the name is typed, and with a half-typed group link', async () => {
    const page = await signedIn();
    await page.click('nav.main a:has-text("Planos")');
    await page.click('a:has-text("Novo plano")');
    await page.waitForSelector('fieldset.courses');
    expect(await page.inputValue('#name')).toBe('');
    await page.fill('#whatsappGroup', 'chat.whatsapp.com/Ab'); // not yet a URL
    await page.fill('#q', 'excel');
    await page.press('#q', 'Enter'); // no "fill in this field" bubble: the search goes
    await page.waitForURL(/\/admin\/plans\/edit\?.*q=excel/);
    expect(await page.locator('fieldset.courses .list label', { hasText: /excel/i }).count()).toBeGreaterThan(0);
    expect(await page.inputValue('#whatsappGroup')).toBe('chat.whatsapp.com/Ab');
    await page.fill('#q', 'photoshop');
    await page.click('button:has-text("Buscar")');
    await page.waitForURL(/q=photoshop/);
    await page.getByRole('checkbox', { name: 'Adobe Photoshop CC (169)', exact: true }).check();
    // Saving still asks for what a plan needs.
    await page.fill('#whatsappGroup', '');
    await page.fill('#name', 'Plano Novo do Navegador');
    await page.click('button:has-text("Salvar plano")');
    await expect.poll(() => page.textContent('[role=status]')).toContain('salvo');
  });

  it('an unknown page, or /admin/events without an id, is a page of the panel that leads back', async () => {
    const page = await signedIn();
    for (const path of ['/admin/events', '/admin/nao-existe']) {
      const res = await page.goto(`${server.runtime.url()}${path}`);
      expect(res?.status()).toBe(404);
      expect(await page.textContent('h1')).toBe('Página não encontrada');
      expect(await page.locator('nav.main a').count()).toBe(3);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
    }
    await page.click('a.button:has-text("Ver os eventos")');
    await page.waitForSelector('table');
  });

  it('resolving a failure with a note takes it off the banner', async () => {
    const { deliver, settled } = server;
    const sale = approvedSale(3);
    delete sale.Customer.CPF;
    sale.Customer.cnpj = '11222333000181';
    const { eventId } = (await deliver(sale)).body;
    await settled(eventId, 'failed');

    const page = await signedIn();
    expect(await page.textContent('main')).toContain('1 evento(s) com falha precisam de atenção');
    await page.goto(`${server.runtime.url()}/admin/events/${eventId}`);
    expect(await page.textContent('.todo')).toContain('Compra com CNPJ');
    expect(await page.locator('button:has-text("Reprocessar")').count()).toBe(0); // it cannot help
    await page.fill('#note', 'Cadastrado à mão no EAD com o CPF do aluno.');
    await page.click('button:has-text("Marcar como resolvido")');
    await expect.poll(() => page.textContent('[role=status]')).toContain('Evento marcado como resolvido');
    expect(await page.textContent('h1')).toContain('resolvido');
    expect(await page.textContent('ol.story')).toContain('Marcado como resolvido pelo painel: Cadastrado à mão no EAD com o CPF do aluno.');
    expect(await page.textContent('main')).not.toContain('precisam de atenção');
  });

  it('"Reprocessar todos" replays exactly the failures of one cause, after showing how many', async () => {
    const { sandbox, deliver, settled, runtime } = server;
    sandbox.chatpro.faults.failNext('html_403', 2, sendMessage);
    const refused = [(await deliver(approvedSale(4))).body.eventId, (await deliver(approvedSale(5))).body.eventId];
    for (const id of refused) await settled(id, 'failed');
    const cnpj = approvedSale(6);
    delete cnpj.Customer.CPF;
    cnpj.Customer.cnpj = '11222333000181';
    const other = (await deliver(cnpj)).body.eventId;
    await settled(other, 'failed');

    const page = await signedIn();
    await page.click('a.chip:has-text("ChatPro recusou o token (2)")');
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    await page.click('a:has-text("Reprocessar todos (2)")');
    expect(await page.textContent('main')).toContain('2 evento(s) com falha com o motivo ChatPro recusou o token');
    await page.click('button:has-text("Reprocessar 2 evento(s)")');
    await expect.poll(() => page.textContent('[role=status]')).toContain('2 evento(s) enviados para reprocessamento');
    for (const id of refused) await settled(id);
    expect((await runtime.store.events.get(Number(other)))!).toMatchObject({ status: 'failed', runs: 1 });
    await fitsPhoneAndLaptop(page, '/admin?status=failed');
  });

  it('Privacidade: erasure by CPF shows the count first, then erases on confirmation; fits a phone', async () => {
    const { deliver, settled, runtime } = server;
    const sale = approvedSale(5);
    const { eventId } = (await deliver(sale)).body;
    await settled(eventId);

    const page = await signedIn();
    await page.click('nav.main a:has-text("Privacidade")');
    await page.waitForSelector('h1:has-text("Privacidade")');
    await fitsPhoneAndLaptop(page, '/admin/privacy');
    await page.fill('#cpf', sale.Customer.CPF);
    await page.fill('#note', 'chamado 99');
    await page.click('button:has-text("Ver o que será apagado")');
    await page.waitForSelector('h1:has-text("Confirmar exclusão")');
    expect(await page.textContent('main')).toContain('1 evento(s)');
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    expect((await runtime.store.events.get(Number(eventId)))!.customerEmail).toBe(sale.Customer.email);
    await page.click('button:has-text("Apagar definitivamente")');
    await page.waitForSelector('h1:has-text("Dados apagados")');
    expect(await page.textContent('main')).toContain('Dados pessoais apagados de 1 evento(s)');
    expect((await runtime.store.events.get(Number(eventId)))!.customerEmail).toBeNull();
    await page.goto(`${runtime.url()}/admin/privacy`);
    expect(await page.textContent('main')).toContain('chamado 99');
  });
});
