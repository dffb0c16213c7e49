import { startApp } from './app.js';
import { loadDemoConfig } from './config.js';
import { errorMessage } from './errorMessage.js';
import { openClient } from './openClient.js';
import { registerAppUpdates } from './pwa/appUpdates.js';

const root = document.getElementById('app');
if (!root) throw new Error('index.html has no #app element');

// First: even a page whose client cannot open gets the app cached and updated.
const updates = registerAppUpdates();

try {
  const config = await loadDemoConfig();
  const client = await openClient(config.gatewayUrl);
  root.dataset['gateway'] = config.gatewayUrl;
  startApp(root, client, updates);
} catch (err) {
  root.textContent = `The demo could not start: ${errorMessage(err)}`;
  root.dataset['failed'] = 'true';
}
