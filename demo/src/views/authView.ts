import type { M2MClient } from '@m2m/mobile-sdk';
import { el } from '../dom.js';
import { errorMessage } from '../errorMessage.js';
import type { View } from './view.js';

/** Sign up or log in; `onSignedIn` runs once the client holds a user. */
export function authView(client: M2MClient, onSignedIn: () => void): View {
  const username = el('input', { name: 'username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, 'data-testid': 'auth-username' });
  const password = el('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'auth-password' });
  const invitation = el('input', { name: 'invitation', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'auth-invitation' });
  const login = el('button', { type: 'submit', 'data-testid': 'auth-login' }, 'Log in');
  const register = el('button', { type: 'button', class: 'secondary', 'data-testid': 'auth-register' }, 'Sign up');
  const error = el('p', { class: 'error', role: 'alert', 'data-testid': 'auth-error', hidden: true });

  async function attempt(action: 'login' | 'register'): Promise<void> {
    error.hidden = true;
    login.disabled = register.disabled = true;
    try {
      // Usernames are lower case on the server; a phone keyboard capitalises the first letter.
      const name = username.value.trim().toLowerCase();
      const code = invitation.value.trim();
      if (action === 'register') await client.register(name, password.value, code ? { invitation: code } : {});
      else await client.login(name, password.value);
      onSignedIn();
    } catch (err) {
      error.textContent = errorMessage(err);
      error.hidden = false;
    } finally {
      login.disabled = register.disabled = false;
    }
  }

  const form = el(
    'form',
    { class: 'auth card', 'data-testid': 'auth-view' },
    el('h1', {}, 'Glove rehab: sign in'),
    el('p', { class: 'muted' }, 'Your sessions are stored on this device first and synced when the server is reachable.'),
    el('label', {}, 'Username', username),
    el('label', {}, 'Password (at least 10 characters to sign up)', password),
    el('details', { class: 'invitation' }, el('summary', {}, 'A therapist with an invitation?'), el('label', {}, 'Invitation code (to sign up as a clinician)', invitation)),
    el('div', { class: 'actions' }, login, register),
    error,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void attempt('login');
  });
  register.addEventListener('click', () => {
    if (form.reportValidity()) void attempt('register');
  });
  return { element: form, dispose: () => undefined };
}
