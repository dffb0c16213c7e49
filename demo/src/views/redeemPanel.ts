import type { M2MClient } from '@m2m/mobile-sdk';
import { el } from '../dom.js';
import { errorMessage } from '../errorMessage.js';
import type { View } from './view.js';

/** The clinician types the code a patient shared; the patient then appears in the list once the server has prepared their data. */
export function redeemPanel(client: M2MClient): View {
  const code = el('input', { name: 'share-code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', required: true, placeholder: 'XXXXX-XXXXX', 'data-testid': 'redeem-code' });
  const submit = el('button', { type: 'submit', 'data-testid': 'redeem' }, 'Follow patient');
  const note = el('p', { role: 'status', 'data-testid': 'redeem-note', hidden: true });
  const form = el(
    'form',
    { class: 'card redeem', 'data-testid': 'redeem-panel' },
    el('h2', {}, 'Follow a patient'),
    el('label', {}, 'The code the patient shared with you', code),
    el('div', { class: 'actions' }, submit),
    note,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    note.hidden = true;
    submit.disabled = true;
    client
      .redeemShareCode(code.value.trim())
      .then((link) => {
        note.className = 'muted';
        note.textContent = `You now follow ${link.patientUsername ?? 'the patient'}. Their results appear in the list in a moment.`;
        code.value = '';
      })
      .catch((err: unknown) => {
        note.className = 'error';
        note.textContent = errorMessage(err);
      })
      .finally(() => {
        note.hidden = false;
        submit.disabled = false;
      });
  });
  return { element: form, dispose: () => undefined };
}
