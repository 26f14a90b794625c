import { describe, expect, it } from 'vitest';
import { composeAlert, cut } from '../../src/alerts/compose.js';

describe('composeAlert', () => {
  it('sends a single alert as it is', () => {
    expect(composeAlert(['um alerta'], 1200)).toBe('um alerta');
  });

  it('merges several alerts into one numbered summary', () => {
    const text = composeAlert(['primeiro', 'segundo', 'terceiro'], 1200);
    expect(text).toBe('🔔 *3 alertas acumulados*\n\n1) primeiro\n\n2) segundo\n\n3) terceiro');
  });

  it('never exceeds the limit, and counts what did not fit', () => {
    const alerts = Array.from({ length: 40 }, (_, i) => `alerta ${i} ${'x'.repeat(80)}`);
    const text = composeAlert(alerts, 1200);
    expect(text.length).toBeLessThanOrEqual(1200);
    expect(text).toMatch(/… e mais \d+ alerta\(s\): veja o painel da ponte\.$/);
    expect(text).toContain('1) alerta 0');
  });

  it('shows the start of a first alert too long to fit, never an empty summary', () => {
    const text = composeAlert([`primeiro ${'a'.repeat(1300)}`, 'segundo'], 1200);
    expect(text.length).toBeLessThanOrEqual(1200);
    expect(text).toContain('1) primeiro aaa');
    expect(text).toMatch(/… e mais 1 alerta\(s\): veja o painel da ponte\.$/);
  });

  it('cuts one long alert to the limit', () => {
    const text = composeAlert(['y'.repeat(5000)], 2000);
    expect(text).toHaveLength(2000);
    expect(text.endsWith('…')).toBe(true);
    expect(cut('curto', 10)).toBe('curto');
  });
});
