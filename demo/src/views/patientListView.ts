import type { CarePatient, M2MClient } from '@m2m/mobile-sdk';
import { el, fill } from '../dom.js';
import { flagLabel, patientSummary } from '../model/careRows.js';
import { METRICS } from '../model/metricCatalog.js';
import type { View } from './view.js';

/** The followed patients, most attention first, with their flags and last activity; a row opens the patient. */
export function patientListView(client: M2MClient, onOpen: (patientId: string) => void): View {
  const list = el('ul', { class: 'patients', 'data-testid': 'patient-rows' });
  const empty = el('p', { class: 'muted', 'data-testid': 'patients-empty' }, 'No patients yet: ask a patient for a share code.');
  const subscription = client.patients$().subscribe((patients) => {
    empty.hidden = patients.length > 0;
    fill(list, ...patients.map((p) => row(p, onOpen)));
  });
  const element = el('section', { class: 'card', 'data-testid': 'patient-list' }, el('h2', {}, 'Patients'), empty, list);
  return { element, dispose: () => subscription.unsubscribe() };
}

function row(patient: CarePatient, onOpen: (patientId: string) => void): HTMLLIElement {
  const open = el('button', { type: 'button', class: 'link', 'data-testid': 'patient-open', 'aria-label': `Open ${patient.username}` }, patient.username);
  open.addEventListener('click', () => onOpen(patient.patientId));
  return el(
    'li',
    {
      class: 'patient',
      'data-testid': 'patient-row',
      'data-patient-id': patient.patientId,
      'data-username': patient.username,
      'data-attention': patient.attention,
      'data-sessions': patient.sessionCount,
    },
    el('div', { class: 'patient-head' }, open, el('span', { class: 'muted', 'data-testid': 'patient-activity' }, patientSummary(patient, Date.now()))),
    patient.flags.length === 0
      ? el('span', { class: 'badge flag-none' }, 'No flags')
      : el(
          'div',
          { class: 'flags' },
          ...patient.flags.map((f) =>
            el('span', { class: `badge flag-${f.severity}`, 'data-testid': 'patient-flag', 'data-code': f.code, 'data-severity': f.severity, title: f.message }, flagLabel(f, METRICS)),
          ),
        ),
  );
}
