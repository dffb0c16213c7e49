/**
 * Remembers the access token the SDK last sent, so the simulator can check
 * the server's copy of a device's data as that user, through the gateway,
 * without a login of its own (each costs the server a password hash).
 */
export class BearerTap {
  token: string | null = null;

  wrap(inner: typeof fetch): typeof fetch {
    return (input, init) => {
      const authorization = new Headers(init?.headers).get('authorization');
      if (authorization?.startsWith('Bearer ')) this.token = authorization.slice('Bearer '.length);
      return inner(input, init);
    };
  }
}
