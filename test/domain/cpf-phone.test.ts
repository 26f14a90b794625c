import { describe, expect, it } from 'vitest';
import { cpfFrom, isValidCpf } from '../../src/domain/cpf.js';
import { alternateNinthDigit, normalizeBrazilianMobile } from '../../src/domain/phone.js';

describe('CPF', () => {
  it.each(['52998224725', '111.444.777-35', '39053344705'])('accepts %s', (cpf) => expect(isValidCpf(cpf)).toBe(true));
  it.each([
    ['wrong check digit', '52998224726'],
    ['all equal', '11111111111'],
    ['short', '5299822472'],
    ['CNPJ', '11222333000181'],
    ['empty', ''],
    ['absent', undefined],
  ])('refuses %s', (_n, cpf) => expect(isValidCpf(cpf)).toBe(false));

  it('builds valid CPFs from nine digits (fake people)', () => {
    expect(cpfFrom('529982247')).toBe('52998224725');
    expect(cpfFrom('111444777')).toBe('11144477735');
    for (const base of ['000000001', '123456789', '987654321']) expect(isValidCpf(cpfFrom(base))).toBe(true);
  });
});

describe('Brazilian mobile numbers', () => {
  it.each([
    ['+5561999998888', '5561999998888'],
    ['(61) 99999-8888', '5561999998888'],
    ['61999998888', '5561999998888'],
    ['5561999998888', '5561999998888'],
    ['+55 61 9999-8888', '5561999998888'], // old 8-digit mobile gains the ninth digit
    ['55999998888', '5555999998888'], // DDD 55, not a country code
    ['+55 (55) 99999-8888', '5555999998888'],
    ['0055 61 99999-8888', '5561999998888'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeBrazilianMobile(input)).toEqual({ ok: true, number: expected });
  });

  it.each([
    ['+1 202 555 0143', 'not_brazilian'],
    ['+44 7911 123456', 'not_brazilian'],
    ['(61) 3333-4444', 'not_mobile'],
    ['', 'missing'],
    [undefined, 'missing'],
    ['123', 'unparseable'],
  ])('refuses %s (%s)', (input, reason) => {
    expect(normalizeBrazilianMobile(input)).toEqual({ ok: false, reason });
  });

  it('switches between the forms with and without the ninth digit', () => {
    expect(alternateNinthDigit('5561999998888')).toBe('556199998888');
    expect(alternateNinthDigit('556199998888')).toBe('5561999998888');
    expect(alternateNinthDigit('556133334444')).toBeUndefined();
  });
});
