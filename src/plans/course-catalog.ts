import { decodeHTML } from 'entities';
import { describeError } from '../domain/errors.js';
import type { Clock } from '../timing/clock.js';

export interface Course {
  id: number;
  name: string;
}

/** Where the catalog comes from: the EAD's `GET /unidades/cursos/{unit}`. */
export interface CourseSource {
  unitCourses(): Promise<Array<{ id: string; nome: string }>>;
}

export interface CatalogSnapshot {
  courses: Course[];
  /** When it was read from the EAD; undefined when it never could be. */
  readAt?: number;
  /** Why the last read failed, if it did (the previous list, if any, is still served). */
  error?: string;
}

/** What support sees of an app built without the EAD's catalog: no courses, and why. */
export const NO_CATALOG: CatalogSnapshot = { courses: [], error: 'catálogo do EAD não configurado' };

/** The catalog as it stands (read again at once with `reload`), or NO_CATALOG when there is none. */
export function catalogSnapshot(catalog: CourseCatalog | undefined, reload = false): Promise<CatalogSnapshot> {
  if (!catalog) return Promise.resolve(NO_CATALOG);
  return reload ? catalog.reload() : catalog.get();
}

/** Portuguese order: "Inglês" next to "Inglês Intermediário", "Módulo 2" before "Módulo 10". */
const COLLATOR = new Intl.Collator('pt-BR', { numeric: true });

/**
 * A course name as people read it. The EAD returns names as the school typed them into a web
 * form: HTML entities ("Ingl&ecirc;s"), stray and non-breaking spaces ("AutoCad 3D 2022 ").
 */
export function courseName(raw: string, id: string | number): string {
  const name = decodeHTML(raw).replace(/\s+/g, ' ').trim();
  return name || `Curso ${id}`;
}

/**
 * The EAD's course catalog, read on demand and kept for an hour: course names for the stories
 * and the plans page, and the ids a plan may use. "Recarregar catálogo" reads it again at once.
 * When the EAD cannot be read, the last list read is served (and the error said).
 */
export class CourseCatalog {
  private snapshot: CatalogSnapshot = { courses: [] };
  private loading: Promise<CatalogSnapshot> | undefined;
  /** When the EAD was last asked (a failed read is not repeated for a minute). */
  private triedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly source: CourseSource,
    private readonly clock: Clock,
    private readonly ttlMs = 60 * 60 * 1000,
  ) {}

  async get(): Promise<CatalogSnapshot> {
    const now = this.clock();
    const fresh = this.snapshot.readAt !== undefined && now - this.snapshot.readAt < this.ttlMs;
    const failedLately = this.snapshot.error !== undefined && now - this.triedAt < 60_000;
    return fresh || failedLately ? this.snapshot : this.reload();
  }

  /** Reads the catalog from the EAD now (one read at a time). */
  reload(): Promise<CatalogSnapshot> {
    this.loading ??= (async () => {
      this.triedAt = this.clock();
      try {
        const rows = await this.source.unitCourses();
        // Decoded once, here: the story, Planos, the picker and its search all read these names.
        const courses = rows
          .map((r) => ({ id: Number(r.id), name: courseName(r.nome, r.id) }))
          .filter((c) => Number.isInteger(c.id) && c.id > 0)
          .sort((a, b) => COLLATOR.compare(a.name, b.name) || a.id - b.id);
        this.snapshot = { courses, readAt: this.clock() };
      } catch (err) {
        this.snapshot = { ...this.snapshot, error: describeError(err) };
      } finally {
        this.loading = undefined;
      }
      return this.snapshot;
    })();
    return this.loading;
  }

  /**
   * Names by id for a story, without holding a page on a slow EAD: the catalog as it stands after
   * at most `waitMs` (a read still running goes on and serves the next page).
   */
  async names(waitMs = 2_000): Promise<Map<number, string>> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<CatalogSnapshot>((resolve) => {
      timer = setTimeout(() => resolve(this.snapshot), waitMs);
    });
    const snapshot = await Promise.race([this.get(), late]).finally(() => clearTimeout(timer));
    return new Map(snapshot.courses.map((c) => [c.id, c.name]));
  }
}
