// @ts-check
// `node --import ./withoutEmbeddedStore.mjs …`: the process runs as if
// @m2m/embedded-store were not installed (a production install), through a
// module resolution hook that answers as Node does for a missing package.
import { register } from 'node:module';

register('./embeddedStoreMissing.mjs', import.meta.url);
