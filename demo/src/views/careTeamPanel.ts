import type { CareLink, M2MClient } from '@m2m/mobile-sdk';
import { el, fill } from '../dom.js';
import { errorMessage } from '../errorMessage.js';
import { linkStateLabel } from '../model/careRows.js';
import type { View } from './view.js';

/** The patient's consent: a code to share with a therapist, who follows them, and revoking. */
export function careTeamPanel(client: M2MClient): View {
  const share = el('button', { type: 'button', 'data-testid': 'care-share' }, 'Share with my therapist');
  const code = el('p', { class: 'share-code', 'data-testid': 'share-code', hidden: true });
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'care-error', hidden: true });
  const list = el('ul', { class: 'followers', 'data-testid': 'followers' });
  const empty = el('p', { class: 'muted', 'data-testid': 'followers-empty' }, 'No one follows your progress.');

  function fail(err: unknown): void {
    error.textContent = errorMessage(err);
    error.hidden = false;
  }

  share.addEventListener('click', () => {
    error.hidden = true;
    share.disabled = true;
    client
      .createShareCode()
      .then((answer) => {
        fill(code, 'Give your therapist this code: ', el('strong', { 'data-testid': 'share-code-value' }, answer.code), ` (valid until ${new Date(answer.expiresAt).toLocaleTimeString()}, once).`);
        code.hidden = false;
      })
      .catch(fail)
      .finally(() => (share.disabled = false));
  });

  function row(link: CareLink): HTMLLIElement {
    const revoke = el('button', { type: 'button', class: 'secondary', 'data-testid': 'follower-revoke', 'aria-label': `Stop sharing with ${link.clinicianUsername}` }, 'Stop sharing');
    revoke.addEventListener('click', () => {
      error.hidden = true;
      revoke.disabled = true;
      client.revokeLink(link.clinicianId).catch((err: unknown) => {
        revoke.disabled = false;
        fail(err);
      });
    });
    return el(
      'li',
      { class: `follower link-${link.status}`, 'data-testid': 'follower-row', 'data-clinician': link.clinicianUsername, 'data-status': link.status },
      el('strong', {}, link.clinicianUsername),
      el('span', { class: 'muted' }, linkStateLabel(link)),
      link.status === 'active' ? revoke : null,
    );
  }

  const subscription = client.links$().subscribe((links) => {
    empty.hidden = links.some((l) => l.status === 'active');
    fill(list, ...links.map(row));
  });
  const element = el(
    'section',
    { class: 'card', 'data-testid': 'care-team' },
    el('h2', {}, 'My care team'),
    el('p', { class: 'muted' }, 'A therapist you share with sees your progress and results, never your raw recordings. You can stop at any time.'),
    share,
    code,
    error,
    empty,
    list,
  );
  return { element, dispose: () => subscription.unsubscribe() };
}
