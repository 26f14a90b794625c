import { normalizeText } from '../../domain/text.js';
import type { Course } from '../../plans/course-catalog.js';
import { html, type Html } from '../html.js';

/**
 * The course picker of a plan, for a phone and without scripts (the pages have none): the
 * ticked courses always on top, ticked (unknown ids too, so they can be unticked); a search
 * that runs on the server and keeps the ticks (its button sends the same form by GET, ticks
 * included); the results below; the whole catalog folded away. The count of ticked courses is
 * kept live by CSS counters, next to the save button.
 */

export interface PickerView {
  courses: Course[];
  chosen: readonly number[];
  /** The search as typed (empty: no search). */
  q: string;
}

/** Courses whose name has every word of `q` (case and accents ignored), or whose id is `q`. */
export function searchCourses(courses: Course[], q: string): Course[] {
  const words = normalizeText(q).split(' ').filter(Boolean);
  if (words.length === 0) return [];
  return courses.filter((c) => {
    if (String(c.id) === q.trim()) return true;
    const name = normalizeText(c.name);
    return words.every((w) => name.includes(w));
  });
}

const box = (c: { id: number; name: string }, checked: boolean, note?: Html) =>
  html`<label class="course"
    ><input type="checkbox" name="courses" value="${c.id}" ${checked ? html`checked` : ''} />
    <span>${c.name}</span> ${note ?? html`<span class="muted">(${c.id})</span>`}</label
  >`;

function ticked(v: PickerView, byId: ReadonlyMap<number, Course>): Html {
  if (v.chosen.length === 0) return html`<p class="muted">Nenhum curso marcado ainda: busque abaixo e marque os cursos do plano.</p>`;
  return html`<div class="list">
    ${v.chosen.map((id) => {
      const course = byId.get(id);
      return course
        ? box(course, true)
        : box(
            { id, name: `Curso de id ${id}` },
            true,
            html`<strong class="error">não existe mais no catálogo do EAD: desmarque para tirá-lo do plano.</strong>`,
          );
    })}
  </div>`;
}

function results(v: PickerView): Html | string {
  const chosen = new Set(v.chosen);
  if (!v.q.trim()) {
    const rest = v.courses.filter((c) => !chosen.has(c.id));
    return html`<details class="catalog">
      <summary>Ver todos os cursos do catálogo (${rest.length})</summary>
      <div class="list">${rest.map((c) => box(c, false))}</div>
    </details>`;
  }
  const found = searchCourses(v.courses, v.q);
  const shown = found.filter((c) => !chosen.has(c.id));
  const already = found.length - shown.length;
  return html`<p class="muted" role="status">
      ${found.length === 0 ? html`Nenhum curso com “${v.q}”.` : html`${found.length} curso(s) com “${v.q}”${already > 0 ? html` (${already} já marcado(s), acima)` : ''}:`}
    </p>
    <div class="list">${shown.map((c) => box(c, false))}</div>`;
}

/**
 * The picker's part of the plan form (the form itself, its fields and the save button are the
 * page's). "Buscar" skips the form's validation (formnovalidate): a search needs no name yet, nor
 * a finished group link — on a new plan, the browser refused to search at all.
 */
export function coursePicker(v: PickerView): Html {
  const byId = new Map(v.courses.map((c) => [c.id, c]));
  return html`<fieldset class="courses">
    <legend>Cursos marcados</legend>
    ${ticked(v, byId)}
    <div class="search">
      <label class="field" for="q">Buscar curso pelo nome ou id</label>
      <div class="inline">
        <input id="q" name="q" type="search" value="${v.q}" placeholder="ex.: excel, inglês, 280" maxlength="100" autocomplete="off" />
        <button type="submit" class="secondary" formaction="/admin/plans/edit" formmethod="get" formnovalidate name="buscar" value="1">
          Buscar
        </button>
      </div>
    </div>
    ${results(v)}
  </fieldset>`;
}

/** The live count of ticked courses (CSS counters over the form's checkboxes), beside "Salvar". */
export const tickedCount = html`<span class="ticked-count" aria-hidden="true"></span>`;
