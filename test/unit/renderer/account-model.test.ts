import { describe, expect, it } from 'vitest';
import type { Registration } from '../../../src-shared/domain.js';
import {
  accountSavedWords,
  checkAccountForm,
  checkServer,
  checkUser,
  firstInvalid,
  isRegistrationOf,
  registrationProblem,
  registrationStatus,
} from '../../../src-renderer/src/first-run/account-model.js';

const VOIPMS = 'montreal.voip.ms';

function failed(code: string, message = 'engine words'): Registration {
  return {
    state: 'failed',
    account: { server: VOIPMS, user: '123456_home' },
    contact: null,
    expiresAt: null,
    error: { code, message },
  };
}

describe('sub-account user', () => {
  it('accepts the voip.ms format: 6 digits, underscore, a name', () => {
    expect(checkUser('123456_home', VOIPMS)).toBeNull();
    expect(checkUser('123456_office-2', 'toronto.voip.ms:5060')).toBeNull();
  });

  it.each([
    ['', /Enter the sub-account user, for example 123456_home/],
    ['me@example.com', /e-mail address you log in to the voip\.ms portal with/],
    ['123456', /account number alone\. Add an underscore and the sub-account name/],
    ['12345_home', /number before the underscore has 6 digits/],
    ['1234567_home', /number before the underscore has 6 digits/],
    ['123456_', /Add the sub-account name after the underscore/],
    ['123456_my home', /no spaces/],
    ['123456_h!me', /only letters, digits/],
    ['home', /starts with your 6-digit account number and an underscore/],
  ])('%j on a voip.ms server is refused in words', (user, words) => {
    expect(checkUser(user, VOIPMS)).toMatch(words);
  });

  it('takes any plain SIP user on another registrar, but still no e-mail or odd characters', () => {
    expect(checkUser('alice', '127.0.0.1:5060')).toBeNull();
    expect(checkUser('100', 'pbx.example.net')).toBeNull();
    expect(checkUser('a/b', 'pbx.example.net')).toMatch(/only letters, digits/);
    expect(checkUser('a@b', 'pbx.example.net')).toMatch(/e-mail/);
  });
});

describe('server and the whole form', () => {
  it('needs a host or host:port', () => {
    expect(checkServer('')).toBe('Choose a server.');
    expect(checkServer('montreal.voip.ms')).toBeNull();
    expect(checkServer('127.0.0.1:5070')).toBeNull();
    expect(checkServer('sip://montreal.voip.ms')).toMatch(/not a server name/);
    expect(checkServer('host:99999')).toMatch(/not a server name/);
  });

  it('first run needs a password; a saved one or an optional password does not', () => {
    const form = { server: VOIPMS, user: '123456_home', password: '', passwordSaved: false };
    expect(checkAccountForm(form, true)).toEqual({
      password: expect.stringMatching(/without it Natter cannot register/),
    });
    expect(checkAccountForm({ ...form, passwordSaved: true }, true)).toEqual({});
    expect(checkAccountForm(form, false)).toEqual({});
    expect(checkAccountForm({ ...form, password: 'x' }, true)).toEqual({});
  });

  it('names the first invalid field in screen order', () => {
    const errors = checkAccountForm(
      { server: '', user: '', password: '', passwordSaved: false },
      true,
    );
    expect(Object.keys(errors).sort()).toEqual(['password', 'server', 'user']);
    expect(firstInvalid(errors)).toBe('server');
    expect(firstInvalid({ password: 'x', user: 'y' })).toBe('user');
    expect(firstInvalid({})).toBeNull();
  });
});

describe('registration outcome in words, under the field it concerns', () => {
  it.each([
    ['auth-failed', 'password', /refused this password.*not the password of the voip\.ms portal/],
    ['forbidden', 'password', /refused this sub-account/],
    ['not-found', 'user', /does not know this user/],
    ['bad-user', 'user', /cannot be used in SIP/],
    ['unknown-host', 'server', /There is no server called montreal\.voip\.ms/],
    ['dns-timeout', 'server', /Looking up montreal\.voip\.ms took too long/],
    ['timeout', 'server', /montreal\.voip\.ms did not answer/],
    ['bad-port', 'server', /^Engine words\.$/],
    ['refresh', null, /lapsed/],
    ['contact-rewritten', null, /^Engine words\.$/],
  ] as const)('%s → %s', (code, field, words) => {
    const problem = registrationProblem(failed(code));
    expect(problem?.field).toBe(field);
    expect(problem?.text).toMatch(words);
  });

  it('has no problem unless it failed', () => {
    expect(registrationProblem({ ...failed('auth-failed'), state: 'registering' })).toBeNull();
    expect(registrationProblem({ ...failed('auth-failed'), state: 'registered' })).toBeNull();
  });

  it('reads registering as amber, registered green, failed red', () => {
    expect(registrationStatus({ ...failed('x'), state: 'registering' })).toEqual({
      tone: 'amber',
      text: 'Registering…',
    });
    expect(registrationStatus({ ...failed('x'), state: 'registered' }).tone).toBe('green');
    expect(registrationStatus(failed('x')).tone).toBe('red');
    expect(registrationStatus({ ...failed('x'), state: 'unregistered' }).tone).toBe('muted');
  });

  it('tells this account’s registration from another one’s', () => {
    const registration = failed('auth-failed');
    expect(isRegistrationOf(registration, { server: VOIPMS, user: '123456_home' })).toBe(true);
    expect(isRegistrationOf(registration, { server: VOIPMS, user: '123456_other' })).toBe(false);
    expect(isRegistrationOf(registration, { server: 'toronto.voip.ms', user: '123456_home' })).toBe(
      false,
    );
    expect(isRegistrationOf(registration, null)).toBe(false);
  });
});

describe('saving an account', () => {
  it('says plainly that an account without a password will not register', () => {
    expect(accountSavedWords(true)).toEqual({ text: 'Account saved', warning: false });
    expect(accountSavedWords(false)).toEqual({
      text: 'Account saved. It will not register until you enter its SIP password.',
      warning: true,
    });
  });
});

describe('registration moved to another server', () => {
  const movedAway: Registration = {
    state: 'registered',
    account: { server: 'toronto.voip.ms', user: '123456_home' },
    contact: 'sip:123456_home@198.51.100.1:5060',
    expiresAt: null,
    error: null,
    failover: { from: VOIPMS, to: 'toronto.voip.ms', at: '2026-12-01T12:00:00.000Z' },
  };

  it('is still the registration of the account whose server went silent', () => {
    expect(isRegistrationOf(movedAway, { server: VOIPMS, user: '123456_home' })).toBe(true);
    expect(isRegistrationOf(movedAway, { server: VOIPMS, user: '123456_other' })).toBe(false);
  });

  it('says where it is registered and why', () => {
    expect(registrationStatus(movedAway)).toEqual({
      tone: 'green',
      text: 'Registered on toronto.voip.ms, because montreal.voip.ms stopped answering: calls can come in and go out.',
    });
  });
});
