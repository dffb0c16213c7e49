import type { M2MClient } from '@m2m/mobile-sdk';
import { BehaviorSubject } from 'rxjs';
import { el } from '../dom.js';
import { patientDetailView } from './patientDetailView.js';
import { patientListView } from './patientListView.js';
import { redeemPanel } from './redeemPanel.js';
import type { View } from './view.js';

/** What a signed-in clinician sees: follow a patient, the patients by attention, one patient in detail. */
export function clinicianView(client: M2MClient): View {
  const selected = new BehaviorSubject<string | null>(null);
  const detail = patientDetailView(client, selected);
  const parts = [
    redeemPanel(client),
    patientListView(client, (id) => {
      selected.next(id);
      detail.element.scrollIntoView({ block: 'start' });
    }),
    detail,
  ];
  const [redeem, list] = parts.map((p) => p.element);
  const element = el('div', { class: 'dashboard clinician', 'data-testid': 'clinician-dashboard' }, el('div', { class: 'column' }, redeem, list), el('div', { class: 'column' }, detail.element));
  return { element, dispose: () => parts.forEach((p) => p.dispose()) };
}
