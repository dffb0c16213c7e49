// @ts-check

/**
 * @typedef {object} BannerFacts
 * @property {string} gatewayUrl
 * @property {string} demoUrl
 * @property {boolean} demoBuilt
 * @property {string} storeUrl  without credentials
 * @property {boolean} embeddedStore
 * @property {{ username: string, password: string }} admin
 * @property {string} dataDir
 * @property {string | undefined} workerMetricsUrl
 */

/**
 * The one block `npm start` prints once everything is ready.
 * @param {BannerFacts} facts
 */
export function formatBanner(facts) {
  const lines = [
    '',
    'M2M Sync is running. Stop it with Ctrl-C.',
    '',
    `  gateway:  ${facts.gatewayUrl}`,
    `  demo:     ${facts.demoUrl}${facts.demoBuilt ? '' : '  (not built yet: npm run build --workspace demo, then npm start again)'}`,
    `  Fauxton:  ${facts.storeUrl}/_utils/  (user ${facts.admin.username}, password ${facts.admin.password})`,
    `  store:    ${facts.embeddedStore ? 'embedded, on loopback only' : 'CouchDB from COUCHDB_URL'}`,
    `  data:     ${facts.dataDir}`,
    `  worker:   one sync worker${facts.workerMetricsUrl ? `, metrics at ${facts.workerMetricsUrl}/metrics` : ''}`,
    '',
  ];
  return lines.join('\n');
}
