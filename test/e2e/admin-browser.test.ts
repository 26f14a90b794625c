import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedSale } from '../helpers/kiwify.js';
import { waitFor } from '../helpers/runtime.js';
import { startSandboxedServer, type SandboxedServer } from '../helpers/sandbox.js';

/**
 * The admin page in a real browser: Debian's chromium driven by playwright-core.
 * `.ci/run` installs chromium when missing; a local run without it skips with a message.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
if (!available) console.warn(`Chromium não encontrado em ${CHROMIUM}: o teste do painel no navegador será pulado.`);

const ADMIN = 'admin-token-for-browser-0123456789';

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
    server = await startSandboxedServer({ ADMIN_TOKEN: ADMIN, MAX_ATTEMPTS: '1' });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('sign in, see a failed event, press "Reprocessar", see it done; a <script> name is text', async () => {
    const { sandbox, deliver, settled, runtime } = server;
    sandbox.chatpro.faults.failNext('http_500', 1);
    const sale = approvedSale(1);
    sale.Customer.full_name = '<script>window.__pwned = 1</script> Souza';
    const { eventId } = (await deliver(sale)).body;
    await settled(eventId, 'failed');

    const page = await browser.newPage({ viewport: { width: 390, height: 844 } }); // a phone
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(`${runtime.url()}/admin`);
    await page.fill('#token', 'token-errado');
    await page.click('button[type=submit]');
    await expect.poll(() => page.textContent('[role=alert]')).toContain('Token inválido');

    await page.fill('#token', ADMIN);
    await page.click('button[type=submit]');
    await page.waitForSelector('table');
    await page.click('a.chip[href="/admin?status=failed"]');
    const row = page.locator('tbody tr', { hasText: 'Souza' });
    await expect.poll(() => row.count()).toBe(1);
    expect(await row.locator('td').nth(4).textContent()).toBe('<script>window.__pwned = 1</script> Souza');
    expect(await row.locator('.status').textContent()).toBe('falhou');
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');

    await row.locator('a').first().click();
    await page.waitForSelector('h1');
    expect(await page.textContent('h1')).toContain('falhou');
    expect(await page.textContent('dd.error')).toContain('ChatPro falhou (HTTP 500)');
    await page.click('button:has-text("Reprocessar")');
    await expect.poll(() => page.textContent('[role=status]')).toContain('Evento enviado para reprocessamento');
    await waitFor(async () => (await runtime.store.events.get(Number(eventId)))?.status === 'done', 10_000, 'done');
    await page.reload();
    expect(await page.textContent('h1')).toContain('concluído');
    expect(await page.locator('button:has-text("Reprocessar")').count()).toBe(0);
    expect(await page.textContent('ol.story')).toContain('Reprocessamento pedido pelo painel.');
    expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
    expect(dialogs).toEqual([]);
    expect(sandbox.chatpro.delivered).toHaveLength(1);
  });
});
