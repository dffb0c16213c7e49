import type { RequestHandler } from 'express';
import { roleOf } from '../auth/requireUser.js';
import { HttpError } from '../http/errors.js';

/**
 * Refuses clinicians on a patient's own REST routes (their sessions,
 * progress, analyses): a clinician has no such databases, and reads a
 * patient's data only through the care database the worker fills.
 */
export function patientsOnly(): RequestHandler {
  return (_req, res, next) => {
    if (roleOf(res) !== 'patient') return next(new HttpError('wrong_role', 'this route is for patients; a clinician reads linked patients through /sync/care/ and /api/care'));
    next();
  };
}

/** The REST routes under /api that read or write a patient's own databases. */
export const PATIENT_ROUTES = ['/sessions', '/progress', '/analyses'];
