import { forPeople, sentence } from '../../support/words-for-people.js';
import type { CatalogSnapshot } from '../../plans/course-catalog.js';
import type { PlanChangeRow, PlanRow } from '../../plans/plan-admin.js';
import type { KiwifyIds } from '../../plans/plan-resolution.js';
import { html, type Html } from '../html.js';
import { coursePicker, tickedCount } from './course-picker.js';
import { flashBanner, layout, time, type Flash } from './layout.js';

const ACTIONS: Record<string, string> = { set: 'salvo', remove: 'removido', import: 'importado de arquivo', learn: 'ids aprendidos' };

/** Who made a change, as support reads it (rows of older releases said it with a variable name). */
const viaWords = (via: string) => forPeople(via === 'importação inicial de PLANS_FILE' ? 'na primeira inicialização do servidor' : via);

const courseNames = (ids: number[], names: ReadonlyMap<number, string>) => ids.map((id) => names.get(id) ?? `curso ${id}`).join(', ');

const editUrl = (name: string) => `/admin/plans/edit?name=${encodeURIComponent(name)}`;

function catalogLine(catalog: CatalogSnapshot): Html {
  const state =
    catalog.readAt === undefined
      ? html`<span class="error"
          >Catálogo de cursos do EAD indisponível${catalog.error ? html`: ${forPeople(sentence(catalog.error))}` : '.'}</span
        >`
      : html`Catálogo do EAD: ${catalog.courses.length} cursos, lido em
        ${time(new Date(catalog.readAt).toISOString())}.${
          catalog.error ? html` <span class="error">A última leitura falhou: ${forPeople(sentence(catalog.error))}</span>` : ''
        }`;
  return html`<form method="post" action="/admin/plans/catalog" class="inline">
    <span>${state}</span><button type="submit" class="secondary">Recarregar catálogo</button>
  </form>`;
}

function changesList(changes: PlanChangeRow[]): Html {
  if (changes.length === 0) return html`<p class="muted">Nenhuma alteração registrada.</p>`;
  return html`<ol class="story">
    ${changes.map((c) => html`<li><time>${time(new Date(c.at).toISOString())}</time>“${c.name}” ${ACTIONS[c.action] ?? c.action} ${viaWords(c.via)}</li>`)}
  </ol>`;
}

/** For a name not mapped: the ids its sales carry (a plan renamed in Kiwify is fixed by giving them to the plan it was). */
function seenIdsLine(ids: KiwifyIds | undefined): Html | '' {
  if (!ids) return '';
  const parts = [
    ids.kiwifyPlanId ? html`id do plano <code>${ids.kiwifyPlanId}</code>` : '',
    ids.kiwifyProductId ? html`id do produto <code>${ids.kiwifyProductId}</code>` : '',
  ].filter((p) => p !== '');
  return html`<p class="muted">
    As vendas deste nome trazem, da Kiwify: ${parts.map((p, i) => html`${i > 0 ? ' e ' : ''}${p}`)}. Se é um plano já cadastrado que mudou
    de nome na Kiwify, copie estes ids para ele em vez de cadastrar outro.
  </p>`;
}

/** Days of access and Kiwify's ids: small fields under the courses. */
function durationAndIds(v: PlanEditView): Html {
  return html`<label class="field" for="accessDays">Dias de acesso (opcional)</label>
    <p class="muted">Para acesso por tempo limitado, como “1 ano de acesso”: 365. Vazio: sem prazo.</p>
    <div class="inline">
      <input
        id="accessDays"
        name="accessDays"
        type="number"
        inputmode="numeric"
        min="1"
        max="36500"
        step="1"
        value="${v.accessDays ?? ''}"
      />
    </div>
    <label class="field" for="kiwifyPlanId">Id do plano na Kiwify</label>
    <p class="muted">
      A primeira venda encontrada pelo nome preenche os ids sozinha. Com eles, o plano continua valendo se mudar de nome na Kiwify.
    </p>
    <div class="inline">
      <input id="kiwifyPlanId" name="kiwifyPlanId" type="text" value="${v.kiwifyPlanId ?? ''}" maxlength="200" autocomplete="off" />
    </div>
    <label class="field" for="kiwifyProductId">Id do produto na Kiwify</label>
    <div class="inline">
      <input
        id="kiwifyProductId"
        name="kiwifyProductId"
        type="text"
        value="${v.kiwifyProductId ?? ''}"
        maxlength="200"
        autocomplete="off"
      />
    </div>`;
}

/** A row's name, and the one Kiwify gives it now when that differs (one block: a card's cell on a phone is a row). */
function planCell(r: PlanRow): Html {
  if (!r.kiwifyName) return html`<strong>${r.name}</strong>`;
  return html`<div>
    <strong>${r.name}</strong>
    <div class="muted small">nome atual na Kiwify: “${r.kiwifyName}”</div>
  </div>`;
}

/** A row's courses, and how long they are given when the plan says. */
function coursesCell(r: PlanRow, names: ReadonlyMap<number, string>): Html {
  if (!r.plan) return html`<span class="error">sem cursos (não cadastrado)</span>`;
  if (!r.plan.accessDays) return html`${courseNames(r.plan.courses, names)}`;
  return html`<div>
    ${courseNames(r.plan.courses, names)}
    <div class="muted small">acesso por ${r.plan.accessDays} dias</div>
  </div>`;
}

export interface PlansView {
  rows: PlanRow[];
  catalog: CatalogSnapshot;
  changes: PlanChangeRow[];
  flash?: Flash;
}

/** Every plan or product name seen in sales and every mapped plan; unmapped ones with waiting sales first. */
export function plansPage(v: PlansView): Html {
  const names = new Map(v.catalog.courses.map((c) => [c.id, c.name]));
  const waiting = v.rows.filter((r) => r.waiting > 0);
  return layout(
    'Planos',
    html`${flashBanner(v.flash)}
      <h1>Planos</h1>
      <p class="muted">
        Que cursos do EAD cada plano (ou produto) da Kiwify dá. Nomes comparados sem maiúsculas, acentos e espaços extras.
      </p>
      ${
        waiting.length > 0
          ? html`<div class="banner" role="alert">
              ${waiting.reduce((n, r) => n + r.waiting, 0)} venda(s) aguardam o cadastro de ${waiting.length} plano(s). Ao salvar um plano,
              as vendas que esperavam por ele são reprocessadas sozinhas.
            </div>`
          : ''
      }
      ${catalogLine(v.catalog)}
      <p><a class="button" href="/admin/plans/edit">Novo plano</a></p>
      <div class="table">
        <table class="cards">
          <thead>
            <tr>
              <th>Plano</th>
              <th>Vendas</th>
              <th>Aguardando</th>
              <th>Cursos</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            ${v.rows.map(
              (r) =>
                html`<tr>
                  <td data-label="Plano">${planCell(r)}</td>
                  <td data-label="Vendas">${r.sales}</td>
                  <td data-label="Aguardando">${r.waiting > 0 ? html`<span class="error">${r.waiting}</span>` : ''}</td>
                  <td data-label="Cursos">${coursesCell(r, names)}</td>
                  <td data-label=""><a href="${editUrl(r.name)}">${r.plan ? 'Editar' : 'Cadastrar'}</a></td>
                </tr>`,
            )}
          </tbody>
        </table>
      </div>
      <h2>Alterações recentes</h2>
      ${changesList(v.changes)}`,
    'plans',
  );
}

export interface PlanEditView {
  /** The plan's name (empty for a new plan), and whether it is mapped now. */
  name: string;
  exists: boolean;
  courses: number[];
  whatsappGroup?: string;
  /** Days of access, as stored or as typed (a refused save shows it back). */
  accessDays?: string;
  kiwifyPlanId?: string;
  kiwifyProductId?: string;
  /** The name Kiwify gives the plan now, when it differs (renamed in Kiwify). */
  kiwifyName?: string;
  /** Not mapped: Kiwify's ids its sales carry. */
  seenIds?: KiwifyIds;
  catalog: CatalogSnapshot;
  /** Sales waiting for this plan (failed as unmapped), and this plan's other failures. */
  waiting: number;
  failed: number;
  changes: PlanChangeRow[];
  problems?: string[];
  flash?: Flash;
  /** The picker's search, as typed. */
  q?: string;
}

/** One plan: its courses picked from the EAD's catalog by name, its WhatsApp group, its history. */
export function planEditPage(v: PlanEditView): Html {
  const catalogReadable = v.catalog.readAt !== undefined;
  return layout(
    v.exists ? `Plano ${v.name}` : 'Novo plano',
    html`${flashBanner(v.flash)}
      <p><a href="/admin/plans">← Planos</a></p>
      <h1>${v.exists ? html`Plano “${v.name}”` : 'Cadastrar plano'}</h1>
      ${v.kiwifyName ? html`<p>Nome atual na Kiwify: “${v.kiwifyName}” (as vendas o encontram pelo id).</p>` : ''} ${seenIdsLine(v.seenIds)}
      ${
        v.problems?.length
          ? html`<div class="banner bad" role="alert">Não foi salvo: ${v.problems.map((p) => html`<div>${p}</div>`)}</div>`
          : ''
      }
      ${
        v.waiting > 0
          ? html`<div class="banner">${v.waiting} venda(s) aguardam este plano: ao salvar, elas são reprocessadas sozinhas.</div>`
          : ''
      }
      ${catalogLine(v.catalog)}
      <form method="post" action="/admin/plans/save" class="card plan">
        ${
          v.exists
            ? html`<input type="hidden" name="name" value="${v.name}" />`
            : html`<label class="field" for="name">Nome do plano (como aparece na Kiwify)</label>
                <div class="inline"><input id="name" name="name" type="text" value="${v.name}" required maxlength="200" /></div>`
        }
        ${
          catalogReadable
            ? coursePicker({ courses: v.catalog.courses, chosen: [...new Set(v.courses)], q: v.q ?? '' })
            : html`<label class="field">Cursos</label>
                <p class="muted">Sem o catálogo, informe os ids dos cursos separados por vírgula (eles não poderão ser conferidos).</p>
                <div class="inline">
                  <input name="courseIds" type="text" inputmode="numeric" value="${v.courses.join(', ')}" aria-label="Ids dos cursos" />
                </div>`
        }
        <label class="field" for="whatsappGroup">Link do grupo de WhatsApp (opcional)</label>
        <div class="inline">
          <input
            id="whatsappGroup"
            name="whatsappGroup"
            type="url"
            value="${v.whatsappGroup ?? ''}"
            placeholder="https://chat.whatsapp.com/…"
            maxlength="500"
          />
        </div>
        ${durationAndIds(v)}
        <div class="savebar">
          <button type="submit">Salvar plano</button>
          ${catalogReadable ? tickedCount : ''}
        </div>
      </form>
      ${
        v.failed > 0
          ? html`<div class="card">
              ${v.failed} venda(s) deste plano falharam por outro motivo.
              <a class="button secondary" href="/admin/retry?plan=${encodeURIComponent(v.name)}">Reprocessar todas (${v.failed})</a>
            </div>`
          : ''
      }
      ${
        v.exists
          ? html`<form method="post" action="/admin/plans/remove" class="inline">
              <input type="hidden" name="name" value="${v.name}" />
              <button type="submit" class="danger">Remover plano</button>
              <span class="muted">Novas vendas deste plano passam a falhar até ele ser cadastrado de novo.</span>
            </form>`
          : ''
      }
      <h2>Alterações deste plano</h2>
      ${changesList(v.changes)}`,
    'plans',
  );
}
