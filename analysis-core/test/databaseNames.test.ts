import { describe, expect, it } from 'vitest';
import { careDatabase, parseCareDatabase, parseUserDatabase, userDatabases } from '../src/model/databaseNames.js';

const USER = 'abcdefghijklmnopqrstuvwxyz';

describe('user database names', () => {
  it('names both databases of a user under the prefix', () => {
    expect(userDatabases('m2m-', USER)).toEqual({ sessions: `m2m-u-${USER}-sessions`, progress: `m2m-u-${USER}-progress` });
  });

  it('parses its own names back', () => {
    const names = userDatabases('test_1-', USER);
    expect(parseUserDatabase('test_1-', names.sessions)).toEqual({ userId: USER, kind: 'sessions' });
    expect(parseUserDatabase('test_1-', names.progress)).toEqual({ userId: USER, kind: 'progress' });
  });

  it.each([
    ['another prefix', `x-u-${USER}-sessions`],
    ['a system database', '_users'],
    ['the accounts database', 'm2m-accounts'],
    ['a short user id', 'm2m-u-abc-sessions'],
    ['an upper-case user id', `m2m-u-${USER.toUpperCase()}-sessions`],
    ['another kind', `m2m-u-${USER}-photos`],
    ['a nested trick', `m2m-u-${USER}-sessions-sessions`],
    ["a clinician's care database", `m2m-u-${USER}-care`],
  ])('refuses %s', (_, name) => {
    expect(parseUserDatabase('m2m-', name)).toBeNull();
  });
});

describe("a clinician's care database name", () => {
  it('is named under the prefix and parses back', () => {
    expect(careDatabase('m2m-', USER)).toBe(`m2m-u-${USER}-care`);
    expect(parseCareDatabase('m2m-', careDatabase('m2m-', USER))).toEqual({ userId: USER });
  });

  it.each([
    ['a sessions database', `m2m-u-${USER}-sessions`],
    ['a progress database', `m2m-u-${USER}-progress`],
    ['another prefix', `x-u-${USER}-care`],
    ['a short user id', 'm2m-u-abc-care'],
    ['a nested trick', `m2m-u-${USER}-care-care`],
  ])('refuses %s', (_, name) => {
    expect(parseCareDatabase('m2m-', name)).toBeNull();
  });
});
