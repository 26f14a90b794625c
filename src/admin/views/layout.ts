import { formatDay, formatTime } from '../../domain/messages.js';
import type { EventStatus } from '../../domain/inbox-event.js';
import { html, trusted, type Html } from '../html.js';

/** The frame of every admin page (pt-BR, server-rendered, no scripts, usable on a 390 px phone). */

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1d2433;background:#f4f6fa;overflow-wrap:anywhere}
header{background:#1d2433;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between}
header a{color:#fff;text-decoration:none;font-weight:600}nav.main{display:flex;flex-wrap:wrap;gap:.3rem 1rem;align-items:center}nav.main a.on{text-decoration:underline}
main{padding:1rem;max-width:1100px;margin:0 auto}h1{font-size:1.35rem;margin:.6rem 0}h2{font-size:1.1rem;margin:1.2rem 0 .5rem}
.banner{padding:.7rem 1rem;border-radius:8px;margin:.5rem 0;background:#fff4d6;border:1px solid #f0c36d}
.banner.bad{background:#fde8e8;border-color:#f5a3a3}.flash{background:#e6f6ec;border-color:#8fd3a8}.banner.info{background:#e8f0fe;border-color:#a8c1f5}
.chips{display:flex;flex-wrap:wrap;gap:.4rem;margin:.6rem 0}.chip{padding:.3rem .7rem;border-radius:999px;background:#fff;border:1px solid #d5dbe5;text-decoration:none;color:inherit}
.chip.on{background:#1d2433;color:#fff}form.inline,div.inline{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.6rem 0}
input,select,button,textarea{font:inherit;padding:.45rem .6rem;border:1px solid #c4ccd8;border-radius:6px;background:#fff;max-width:100%}
input[type=search],input[type=text],input[type=url],input[type=tel],input[type=email]{flex:1 1 12rem;min-width:0}textarea{width:100%;min-height:4.5rem}
button,.button{background:#2456d6;color:#fff;border:1px solid #2456d6;border-radius:6px;padding:.45rem .8rem;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:#1d2433;border-color:#c4ccd8}button.danger{background:#c62828;border-color:#c62828}
.table{background:#fff;border-radius:8px;border:1px solid #dde3ec}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid #eef1f6;vertical-align:top}th{font-size:.8rem;text-transform:uppercase;color:#5b6678}
td a{color:#2456d6}.status{font-weight:600;white-space:nowrap}.s-failed{color:#c62828}.s-done,.s-resolved{color:#2e7d32}.s-retrying,.s-processing{color:#b26a00}.s-ignored{color:#6b7280}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.3rem 1rem;background:#fff;padding:1rem;border-radius:8px;border:1px solid #dde3ec}dt{color:#5b6678}dd{margin:0}
.card{background:#fff;border:1px solid #dde3ec;border-radius:8px;padding:.8rem 1rem;margin:.6rem 0}.card h2{margin-top:0}
.todo{border-left:4px solid #c62828}.actions{display:grid;gap:.6rem;margin:.6rem 0}
ol.story{list-style:none;padding:0}ol.story li{background:#fff;border:1px solid #dde3ec;border-left:4px solid #9aa5b8;border-radius:6px;padding:.5rem .7rem;margin:.4rem 0}
ol.story li.k-failed{border-left-color:#c62828}ol.story li.k-retry{border-left-color:#b26a00}ol.story li.k-done,ol.story li.k-step,ol.story li.k-resolved{border-left-color:#2e7d32}
ol.story time{display:block;font-size:.8rem;color:#5b6678}
.courses{background:#fff;border:1px solid #dde3ec;border-radius:8px;padding:.6rem;margin:.4rem 0;min-width:0}.courses legend{font-weight:600;padding:0 .3rem}
.courses .list{columns:2 18rem}.courses label.course{display:block;break-inside:avoid;padding:.3rem 0}.courses summary{cursor:pointer;color:#2456d6;padding:.4rem 0}
form.plan{counter-reset:ticked}form.plan input[name=courses]:checked{counter-increment:ticked}.ticked-count::after{content:counter(ticked) " curso(s) marcado(s)"}
.savebar{position:sticky;bottom:0;background:#fff;border-top:1px solid #dde3ec;padding:.6rem 0;margin-top:.6rem;display:flex;flex-wrap:wrap;gap:.4rem .8rem;align-items:center}
.login{max-width:380px;margin:10vh auto;background:#fff;padding:1.5rem;border-radius:10px;border:1px solid #dde3ec}.login input{width:100%;margin:.5rem 0}
.error{color:#c62828}.muted{color:#5b6678}.small{font-size:.85rem}.nowrap{white-space:nowrap}nav.session{display:flex;flex-wrap:wrap;gap:.4rem}label.field{display:block;margin:.6rem 0 .2rem;font-weight:600}
@media (max-width:640px){main{padding:.6rem}table.cards thead{display:none}table.cards tr{display:block;border-bottom:1px solid #dde3ec;padding:.4rem 0}
table.cards td{display:flex;gap:.6rem;border:0;padding:.15rem .6rem}table.cards td::before{content:attr(data-label);flex:0 0 5.5rem;color:#5b6678;font-size:.85rem}
table.cards td:empty{display:none}dl{grid-template-columns:minmax(0,1fr)}dt{font-size:.85rem;margin-top:.3rem}}
`;

export type Section = 'events' | 'plans' | 'privacy';

/**
 * A page of the panel; `section` (the pages behind the sign-in) shows the navigation, with the
 * session's buttons unless `session` is false (a page shown to anyone: the 404).
 */
export function layout(title: string, body: Html, section?: Section, { session = true }: { session?: boolean } = {}): Html {
  const signedIn = section !== undefined;
  return html`<!doctype html>
    <html lang="pt-BR">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width,initial-scale=1" />
        <title>${title} · Ponte Kiwify → EAD</title>
        <style>
          ${trusted(STYLE)}
        </style>
      </head>
      <body>
        <header>
          ${
            signedIn
              ? html`<nav class="main">
                    <a href="/admin" ${section === 'events' ? trusted(' class="on"') : ''}>Eventos</a>
                    <a href="/admin/plans" ${section === 'plans' ? trusted(' class="on"') : ''}>Planos</a>
                    <a href="/admin/privacy" ${section === 'privacy' ? trusted(' class="on"') : ''}>Privacidade</a>
                  </nav>
                  ${
                    session
                      ? html`<nav class="session">
                          <form method="post" action="/admin/logout"><button class="secondary" type="submit">Sair</button></form>
                          <form method="post" action="/admin/logout-all">
                            <button class="secondary" type="submit">Sair de todos os dispositivos</button>
                          </form>
                        </nav>`
                      : ''
                  }`
              : html`<a href="/admin">Ponte Kiwify → EAD</a>`
          }
        </header>
        <main>${body}</main>
      </body>
    </html>`;
}

/** A time as support reads it (São Paulo), or "—". */
export const time = (isoTime: string | null | undefined) => (isoTime ? formatTime(Date.parse(isoTime)) : '—');
/** A day as support reads it (São Paulo), or "—". */
export const day = (isoTime: string | null | undefined) => (isoTime ? formatDay(Date.parse(isoTime)) : '—');

export const statusBadge = (status: EventStatus, label: string) => html`<span class="status s-${status}">${label}</span>`;

/** A message after an action (green), or a refusal (red). */
export interface Flash {
  text: string;
  bad?: boolean;
}

export const flashBanner = (flash: Flash | undefined) =>
  flash ? html`<div class="banner ${flash.bad ? 'bad' : 'flash'}" role="status">${flash.text}</div>` : '';

export function loginPage(error?: string): Html {
  return layout(
    'Entrar',
    html`<form class="login" method="post" action="/admin/login">
      <h1>Painel de eventos</h1>
      <p class="muted">Entre com o token de administração (quem cuida do servidor o tem).</p>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <label for="token">Token</label>
      <input id="token" name="token" type="password" autocomplete="current-password" required autofocus />
      <button type="submit">Entrar</button>
    </form>`,
  );
}

/**
 * A page that is not there (an old link, a typo, /admin/events without an id): said in the
 * panel's layout, with the way back — JSON is only for /admin/api.
 */
/**
 * An address nobody has, the same page for anyone: the panel's links (each asks to sign in when
 * there is no session), no session looked up — a stranger's request with any cookie costs no
 * database read.
 */
export function notFoundPage(): Html {
  return layout(
    'Página não encontrada',
    html`<h1>Página não encontrada</h1>
      <p>Este endereço não existe no painel. Talvez o link esteja incompleto ou seja de uma versão antiga.</p>
      <p>
        <a class="button" href="/admin">Ver os eventos</a>
        <a class="button secondary" href="/admin/plans">Planos</a>
      </p>
      <p class="muted">Para abrir um evento, use o link do alerta ou busque pelo pedido, nome ou e-mail na lista de eventos.</p>`,
    'events',
    { session: false },
  );
}

/** Something went wrong on our side while answering a page: said in words, never as JSON. */
export function errorPage(status: number): Html {
  const text =
    status === 413
      ? 'O formulário enviado é maior que o aceito. Volte e tente com menos dados.'
      : status < 500
        ? 'O pedido não pôde ser entendido. Volte e tente de novo.'
        : 'Algo deu errado ao montar esta página. Tente de novo em instantes; se continuar, avise quem cuida do servidor.';
  return layout(
    status < 500 ? 'Pedido inválido' : 'Erro',
    html`<h1>${status < 500 ? 'Pedido inválido' : 'Algo deu errado'}</h1>
      <p>${text}</p>
      <p><a class="button" href="/admin">Voltar ao painel</a></p>`,
  );
}

export function messagePage(title: string, text: string, section: Section = 'events'): Html {
  return layout(
    title,
    html`<h1>${title}</h1>
      <p>${text}</p>
      <p><a href="${section === 'events' ? '/admin' : `/admin/${section}`}">← Voltar</a></p>`,
    section,
  );
}
