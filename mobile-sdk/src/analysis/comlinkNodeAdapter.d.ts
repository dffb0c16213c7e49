// comlink ships this adapter without a declaration next to its .mjs path.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  import type { NodeEndpoint } from 'comlink/dist/umd/node-adapter.js';
  export default function nodeEndpoint(nep: NodeEndpoint): Endpoint;
}
