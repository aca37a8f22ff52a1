// A real OpenID Provider for the test suite (panva's oidc-provider), on 127.0.0.1 only.
//
// Settings come from one JSON argument: {"port", "redirect_uris", "post_logout_redirect_uris",
// "clock_offset_seconds"}. Any login name is accepted on the provider's own login page (its
// development interactions); an account's e-mail claim is its login name. Two clients:
// "pulse" signs ID tokens with the provider's RSA key (RS256), "pulse-hs256" with its client
// secret (HS256), so a test can see the app refuse a token its keys did not sign.
import Provider from 'oidc-provider';

const settings = JSON.parse(process.argv[2] || '{}');
if (settings.clock_offset_seconds) {
  // An provider whose clock is behind issues ID tokens that have already expired.
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() + settings.clock_offset_seconds * 1000;
}
const issuer = `http://127.0.0.1:${settings.port}`;
const client = (id, alg) => ({
  client_id: id,
  client_secret: 'test-client-secret-that-is-long-enough-for-hs256-0123456789',
  redirect_uris: settings.redirect_uris,
  post_logout_redirect_uris: settings.post_logout_redirect_uris || [],
  id_token_signed_response_alg: alg,
});

const provider = new Provider(issuer, {
  clients: [client('pulse', 'RS256'), client('pulse-hs256', 'HS256')],
  pkce: { required: () => true },
  enabledJWA: { idTokenSigningAlgValues: ['RS256', 'HS256'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  ttl: { Interaction: 86400, Session: 86400, Grant: 86400 },
  cookies: { keys: ['test-cookie-key'] },
  async findAccount(ctx, id) {
    return { accountId: id, async claims() { return { sub: id, email: id, email_verified: true }; } };
  },
});
provider.proxy = false;
const server = provider.listen(settings.port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
