import { sessionSchema } from '@m2m/analysis-core';

/**
 * The sessions collection: analysis-core's session schema, requiring only the
 * key. A delete pulled from CouchDB is `{_id, _rev, _deleted}` alone, and a
 * schema that required more would refuse it and stall the pull. Sessions are
 * validated in full before they are stored (recordSession) and by the gateway.
 */
export const deviceSessionSchema = { ...sessionSchema, required: ['id'] };

/**
 * The results collection mirrors the user's progress database: analyses
 * (`analysis:<sessionId>`) and the `progress` document, told apart by `type`.
 * Written only by the server's worker; pulled, never pushed.
 */
export const resultsSchema = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 64 },
    type: { type: 'string' },
  },
  required: ['id'],
};
