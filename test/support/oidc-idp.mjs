// A real OpenID Connect provider for the console's browser tests, run as its own process (it is
// ESM with many dependencies, which jest's CommonJS transform should not have to load).
// Usage: node oidc-idp.mjs <port> <redirectUri>. Any password signs in; the login names the user.
import Provider from 'oidc-provider';

const [port, redirectUri] = process.argv.slice(2);
const users = {
  alice: {
    sub: 'alice',
    name: 'Alice Editor',
    email: 'alice@herald.test',
    groups: ['herald-comms'],
  },
  bob: { sub: 'bob', name: 'Bob Approver', email: 'bob@herald.test', groups: ['herald-comms'] },
  carol: {
    sub: 'carol',
    name: 'Carol Auditor',
    email: 'carol@herald.test',
    groups: ['herald-audit'],
  },
  mallory: {
    sub: 'mallory',
    name: 'Mallory Outsider',
    email: 'mallory@herald.test',
    groups: ['staff'],
  },
};

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: 'herald-console',
      client_secret: 'herald-console-secret',
      redirect_uris: [redirectUri],
      // The console's sign-in page, where the IdP returns the browser after RP-initiated logout.
      post_logout_redirect_uris: [new URL('/console/sign-in?reason=signed-out', redirectUri).href],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  claims: { openid: ['sub'], profile: ['name', 'groups'], email: ['email'] },
  conformIdTokenClaims: false,
  findAccount: (_ctx, id) => (users[id] ? { accountId: id, claims: () => users[id] } : undefined),
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['herald-test-idp-cookie-key'] },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\n'));
