/**
 * The sessions collection's own schema, small and stable. RxDB keys stored
 * data to a hash of the schema, so reusing analysis-core's session schema
 * would make any change there (even a description) stop existing installs
 * from opening. Sessions are validated in full with analysis-core before they
 * are stored (recordSession) and by the gateway. Only the key is required: a
 * delete pulled from CouchDB is `{_id, _rev, _deleted}` alone.
 */
export const deviceSessionSchema = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 30 },
    type: { type: 'string' },
  },
  required: ['id'],
};

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
