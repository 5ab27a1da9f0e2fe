// The school's identity provider for tests/hub/test_oauth.py: panva's oidc-provider (an
// OpenID Certified implementation, from npm), on 127.0.0.1, with its development login
// form (any password; the accounts are the test's). Not a fake: the hub's authorize
// redirect, the code, PKCE, the token exchange and the userinfo call are oidc-provider's.
//
//   node tests/hub/oidc_provider.mjs '{"port": ..., "client_id": ..., "client_secret": ...,
//                                      "redirect_uri": ..., "accounts": {"id": {claims}}}'
// prints "ready <issuer>" once it listens.
import { randomBytes } from 'node:crypto';

import Provider from 'oidc-provider';

const settings = JSON.parse(process.argv[2]);
const issuer = `http://127.0.0.1:${settings.port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: settings.client_id,
      client_secret: settings.client_secret,
      redirect_uris: [settings.redirect_uri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      // oauthenticator sends the client's id and secret in the token request's form.
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  async findAccount(ctx, id) {
    const claims = settings.accounts[id];
    if (!claims) return undefined; // nobody of that name at the provider
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  // The hub must prove it started the sign-in it finishes (RFC 7636), even as a
  // confidential client, for which oidc-provider would not insist by default.
  pkce: { required: () => true },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  features: { devInteractions: { enabled: true } },
});

provider.listen(settings.port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
