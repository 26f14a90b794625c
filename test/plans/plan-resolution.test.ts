import { describe, expect, it } from 'vitest';
import { planKeysOfEvent, type PlanKeys } from '../../src/domain/plan-keys.js';
import type { Plan } from '../../src/plans/plan-map.js';
import { idsToLearn, indexPlans, kiwifyNameOf, resolvePlan } from '../../src/plans/plan-resolution.js';

/**
 * Which plan of the map a sale is for: Kiwify's plan id, the plan's name, the product's id, the
 * product's name — in that order (plans/plan-resolution.ts).
 */
const MAP: Plan[] = [
  { name: 'Plano Acme', courses: [1], kiwifyPlanId: 'plan-acme', kiwifyProductId: 'prod-acme' },
  { name: 'Acme Anual', courses: [2], kiwifyPlanId: 'plan-acme-anual', kiwifyProductId: 'prod-acme' },
  { name: 'Curso Acme', courses: [3] }, // the product's name, no ids yet
  { name: 'Excel PRO', courses: [4], kiwifyProductId: 'prod-excel' }, // a one-off product
  { name: 'Design Gráfico', courses: [5] },
  { name: 'Pacote', courses: [6], kiwifyProductId: 'prod-pacote' },
  { name: 'Pacote Mensal', courses: [7], kiwifyPlanId: 'plan-pacote-mensal', kiwifyProductId: 'prod-pacote' },
  { name: 'Pacote Anual', courses: [8], kiwifyPlanId: 'plan-pacote-anual', kiwifyProductId: 'prod-pacote' },
  { name: 'Duo A', courses: [9], kiwifyPlanId: 'plan-duo-a', kiwifyProductId: 'prod-duo' },
  { name: 'Duo B', courses: [10], kiwifyPlanId: 'plan-duo-b', kiwifyProductId: 'prod-duo' },
];
const index = indexPlans(MAP);

describe('the resolution order: plan id, plan name, product id, product name', () => {
  it.each<[string, PlanKeys, string | undefined, string | undefined]>([
    [
      'the plan id wins over every name (a plan renamed in Kiwify)',
      { planId: 'plan-acme', planName: 'Plano Acme Turma 2027', productId: 'prod-acme', productName: 'Curso Acme' },
      'Plano Acme',
      'planId',
    ],
    [
      'the plan id wins over a plan name the map has as another plan',
      { planId: 'plan-acme', planName: 'Acme Anual' },
      'Plano Acme',
      'planId',
    ],
    ['then the plan name (ignoring case, accents, spaces)', { planId: 'plan-new', planName: '  acme ANUAL ' }, 'Acme Anual', 'planName'],
    [
      'then the product id (a one-off product renamed)',
      { productId: 'prod-excel', productName: 'Excel PRO 2027' },
      'Excel PRO',
      'productId',
    ],
    ['the product id wins over the product name', { productId: 'prod-excel', productName: 'Design Gráfico' }, 'Excel PRO', 'productId'],
    ['then the product name', { productId: 'prod-unknown', productName: 'design grafico' }, 'Design Gráfico', 'productName'],
    ['a plan name comes before the product id', { planName: 'Design Gráfico', productId: 'prod-excel' }, 'Design Gráfico', 'planName'],
    [
      'by product, the entry for the whole product (no plan id) over its plans',
      { planId: 'plan-pacote-trimestral', planName: 'Pacote Trimestral', productId: 'prod-pacote' },
      'Pacote',
      'productId',
    ],
    [
      'by product, never an entry known to be another plan of it',
      { planId: 'plan-acme-mensal', planName: 'Acme Mensal', productId: 'prod-acme', productName: 'Nada' },
      undefined,
      undefined,
    ],
    [
      'by product, no guess among several plans of it with no entry for the whole product',
      { productId: 'prod-duo', productName: 'Duo' },
      undefined,
      undefined,
    ],
    [
      'by product name too, never an entry known to be another plan',
      { planId: 'plan-x', planName: 'X', productName: 'Acme Anual' },
      undefined,
      undefined,
    ],
    ['a sale without a plan id may take a plan entry by product name', { productName: 'Acme Anual' }, 'Acme Anual', 'productName'],
    ['nothing known: not mapped', { planName: 'Fantasma', productName: 'Fantasma' }, undefined, undefined],
    ['no keys at all: not mapped', {}, undefined, undefined],
  ])('%s', (_name, keys, plan, matchedBy) => {
    const found = resolvePlan(index, keys);
    expect(found?.name).toBe(plan);
    expect(found?.matchedBy).toBe(matchedBy);
  });

  it('a product of one plan only is found by its id, whatever the sale’s plan says', () => {
    const single = indexPlans([{ name: 'Único', courses: [1], kiwifyPlanId: 'p1', kiwifyProductId: 'prod' }]);
    expect(resolvePlan(single, { productId: 'prod' })?.name).toBe('Único'); // the API's sale: no plan
    expect(resolvePlan(single, { planId: 'p2', productId: 'prod' })).toBeUndefined(); // another plan of it
  });
});

describe('what a sale matched by name teaches its plan', () => {
  const keys = { planId: 'plan-9', planName: 'Curso Acme', productId: 'prod-9', productName: 'Curso Acme' };
  it.each<[string, PlanKeys, object | undefined]>([
    ['by the plan name: the plan id and the product id', keys, { kiwifyPlanId: 'plan-9', kiwifyProductId: 'prod-9' }],
    ['by the product name: the product id alone', { ...keys, planName: undefined }, { kiwifyProductId: 'prod-9' }],
    ['a sale without ids: nothing', { planName: 'Curso Acme' }, undefined],
  ])('%s', (_name, sale, learned) => {
    expect(idsToLearn(resolvePlan(index, sale)!, sale)).toEqual(learned);
  });

  it('nothing when found by id, or when the plan has its ids', () => {
    const byId = resolvePlan(index, { planId: 'plan-acme', planName: 'Outro' })!;
    expect(idsToLearn(byId, { planId: 'plan-acme', planName: 'Outro', productId: 'p' })).toBeUndefined();
    const named = resolvePlan(index, { planId: 'plan-other', planName: 'Plano Acme', productId: 'prod-other' })!;
    expect(named.matchedBy).toBe('planName');
    expect(idsToLearn(named, { planId: 'plan-other', planName: 'Plano Acme', productId: 'prod-other' })).toBeUndefined();
  });

  it("names what Kiwify calls it now: the plan's name, or the product's when found by product", () => {
    expect(kiwifyNameOf('planId', { planName: 'Plano Acme Turma 2027', productName: 'Curso' })).toBe('Plano Acme Turma 2027');
    expect(kiwifyNameOf('productId', { planName: 'Mensal', productName: 'Excel PRO 2027' })).toBe('Excel PRO 2027');
  });
});

describe("an event's plan keys, from its columns", () => {
  it.each([
    [
      'a subscription: plan and product',
      { planId: 'p', planName: 'Mensal', productId: 'x', productName: 'Curso' },
      { planId: 'p', planName: 'Mensal', productId: 'x', productName: 'Curso' },
    ],
    [
      'a one-off product: its name is the product’s, not a plan’s',
      { planId: null, planName: 'Curso', productId: 'x', productName: 'Curso' },
      { productId: 'x', productName: 'Curso' },
    ],
    ['an event of before the ids: its name alone', { planName: 'Curso' }, { planName: 'Curso' }],
  ])('%s', (_name, columns, keys) => {
    expect(planKeysOfEvent(columns)).toEqual(keys);
  });
});
