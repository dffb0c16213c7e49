/**
 * A collection schema requiring only the key, small and stable. RxDB keys
 * stored data to a hash of the schema, so reusing analysis-core's schemas
 * would make any change there (even a description) stop existing installs
 * from opening; and a delete pulled from CouchDB is `{_id, _rev, _deleted}`
 * alone, which a schema requiring more would refuse, stalling the pull.
 */
function keyOnlySchema(idMaxLength: number) {
  return {
    version: 0,
    primaryKey: 'id',
    type: 'object',
    properties: { id: { type: 'string', maxLength: idMaxLength }, type: { type: 'string' } },
    required: ['id'],
  };
}

/** Sessions; validated in full with analysis-core before they are stored (recordSession) and by the gateway. */
export const deviceSessionSchema = keyOnlySchema(30);

/**
 * The results collection mirrors the user's progress database: analyses
 * (`analysis:<sessionId>`) and the `progress` document, told apart by `type`.
 * Written only by the server's worker; pulled, never pushed.
 */
export const resultsSchema = keyOnlySchema(64);

/**
 * A clinician's one collection, mirroring their care database: `patient:<P>`,
 * `progress:<P>` and `analysis:<P>:<sessionId>`, written by the server's
 * worker, pulled, never pushed. `patientId` is declared (never required, a
 * revoke's tombstones carry only the key) so a patient's documents can be
 * queried.
 */
export const careSchema = {
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: { id: { type: 'string', maxLength: 100 }, type: { type: 'string' }, patientId: { type: 'string' } },
  required: ['id'],
};
