import { describe, expect, it } from 'vitest';
import { clockTime, historyLine, INCIDENT_STATUS_LABELS, stepLabel } from '../src/incidentpage';
import { alertNotes } from '../src/opspanels';
import { resultLabel } from '../src/search';
import type { Alert } from '../src/protocol';

describe('an incident page', () => {
  it('names every history step and every status', () => {
    for (const w of ['reported', 'alert.open', 'alert.ack', 'alert.resolve', 'dispatch.assign', 'dispatch.en_route', 'dispatch.on_scene', 'dispatch.clear', 'dispatch.cancel'])
      expect(stepLabel(w)).not.toBe(w);
    expect(stepLabel('case.assign')).toBe('案件 Case assign');
    expect(stepLabel('something.new')).toBe('something.new');
    for (const s of ['reported', 'acknowledged', 'dispatched', 'on_scene', 'cleared']) expect(INCIDENT_STATUS_LABELS[s]).toBeTruthy();
  });

  it('says a step with its time, who and the note', () => {
    const at = new Date(2026, 11, 4, 9, 5, 7).toISOString();
    expect(historyLine({ at, what: 'alert.ack', by: 'li.wei', note: 'called back' })).toEqual({ time: '09:05:07', what: '确认 Acknowledged', who: 'li.wei', note: 'called back' });
    expect(clockTime('not a time')).toBe('');
  });
});

describe('alert notes', () => {
  const a = (x: Partial<Alert>): Alert => ({ id: 'a', kind: 'hot_cell', key: 'k', severity: 2, status: 'resolved', lat: 0, lng: 0, openedAt: '', ...x });
  it('keeps what was said at each step, with who said it', () => {
    expect(alertNotes(a({ ackNote: 'on it', ackedBy: 'li', resolveNote: 'done', resolvedBy: 'wang', note: 'done' }))).toEqual([
      ['确认 Ack', 'on it — li'],
      ['解除 Resolve', 'done — wang'],
    ]);
    // An alert from before notes were kept per step still shows its note.
    expect(alertNotes(a({ note: 'old' }))).toEqual([['备注 Note', 'old']]);
    expect(alertNotes(a({}))).toEqual([]);
  });
});

describe('search results', () => {
  it('read as kind, name and what tells them apart, in the console\'s words', () => {
    expect(resultLabel({ type: 'region', code: '320506', name: '吴中区', detail: 'district · 苏州市', level: 'district', lat: 0, lng: 0 })).toEqual({
      kind: '地 Place',
      name: '吴中区',
      detail: expect.stringContaining('苏州市'),
    });
    expect(resultLabel({ type: 'region', code: '320506', name: '吴中区', detail: 'district · 苏州市', level: 'district', lat: 0, lng: 0 }).detail).not.toContain('district ·');
    expect(resultLabel({ type: 'unit', code: 'SU-car-1', name: 'SU-car-1', detail: 'car · available', lat: 0, lng: 0 }).kind).toBe('警 Unit');
  });
});
