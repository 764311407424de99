import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { AuthError } from '../../src/identity/types.ts';
import { createTokenVerifier } from '../../src/identity/verify.ts';
import { issuerConfigFor, startTestIssuer, type TestIssuer } from '../helpers/issuer.ts';

// Workload identities: Kubernetes projected service-account tokens and GitHub Actions OIDC
// tokens, signed by a test issuer with the claims the real ones carry.

const AUD = 'https://custos.example/mcp';
const now = () => Math.floor(Date.now() / 1000);

describe('workload tokens', () => {
  let cluster: TestIssuer;
  let github: TestIssuer;
  let verifier: ReturnType<typeof createTokenVerifier>;

  before(async () => {
    cluster = await startTestIssuer({ algorithms: ['RS256'] });
    github = await startTestIssuer({ algorithms: ['RS256'] });
    verifier = createTokenVerifier({
      issuers: [
        issuerConfigFor(cluster, { name: 'prod-cluster', kind: 'kubernetes' }),
        issuerConfigFor(github, { name: 'gha', kind: 'github-actions', userClaim: 'actor' }),
      ],
      clockSkewSeconds: 60,
      audiences: [AUD],
    });
  });
  after(async () => {
    verifier.close();
    await Promise.all([cluster.close(), github.close()]);
  });

  // As the kube-apiserver issues them (TokenRequest API, audience set by the pod's projected volume).
  const serviceAccountToken = (over: Record<string, unknown> = {}) => {
    const t = now();
    return cluster.sign({
      aud: [AUD],
      exp: t + 3600,
      iat: t,
      nbf: t,
      jti: '6d5a1c2e-0f39-4d3c-9c1f-2b7f3c0b9a11',
      'kubernetes.io': {
        namespace: 'payments',
        node: { name: 'ip-10-0-1-23.ec2.internal', uid: 'a3f1b7e0-1111-4c2d-9e8f-000000000001' },
        pod: { name: 'invoicer-7d9f8b6c5-x2kqz', uid: 'b1c2d3e4-2222-4c2d-9e8f-000000000002' },
        serviceaccount: { name: 'invoicer', uid: 'c1d2e3f4-3333-4c2d-9e8f-000000000003' },
        warnafter: t + 3000,
      },
      sub: 'system:serviceaccount:payments:invoicer',
      ...over,
    });
  };

  test('a Kubernetes service-account token maps namespace, serviceaccount and pod', async () => {
    const id = await verifier.verify(await serviceAccountToken());
    assert.equal(id.subject, 'prod-cluster:system:serviceaccount:payments:invoicer');
    assert.equal(id.method, 'kubernetes');
    assert.equal(id.issuer, 'prod-cluster');
    assert.deepEqual(id.attributes, {
      namespace: 'payments',
      serviceaccount: 'invoicer',
      pod: 'invoicer-7d9f8b6c5-x2kqz',
    });
    assert.equal(id.tokenId, '6d5a1c2e-0f39-4d3c-9c1f-2b7f3c0b9a11');
  });

  test('namespace and serviceaccount also come from sub alone', async () => {
    const id = await verifier.verify(await serviceAccountToken({ 'kubernetes.io': undefined }));
    assert.deepEqual(id.attributes, { namespace: 'payments', serviceaccount: 'invoicer' });
  });

  test('a Kubernetes token whose sub and kubernetes.io disagree, or that names no service account, is refused', async () => {
    await assert.rejects(
      verifier.verify(await serviceAccountToken({ sub: 'system:serviceaccount:kube-system:admin' })),
      (err: unknown) => err instanceof AuthError && /disagree/.test(err.reason),
    );
    await assert.rejects(
      verifier.verify(await serviceAccountToken({ sub: 'alice', 'kubernetes.io': undefined })),
      (err: unknown) => err instanceof AuthError && /service-account/.test(err.reason),
    );
  });

  test('a legacy (secret-based) service-account token, which has no exp, is refused', async () => {
    const legacy = await cluster.sign({
      iss: cluster.issuer,
      aud: AUD,
      exp: undefined,
      iat: undefined,
      sub: 'system:serviceaccount:payments:invoicer',
      'kubernetes.io/serviceaccount/namespace': 'payments',
      'kubernetes.io/serviceaccount/service-account.name': 'invoicer',
    });
    await assert.rejects(
      verifier.verify(legacy),
      (err: unknown) => err instanceof AuthError && /exp/.test(err.reason),
    );
  });

  test('a GitHub Actions token maps the workflow facts', async () => {
    const t = now();
    const token = await github.sign({
      jti: 'example-id',
      sub: 'repo:octo-org/octo-repo:environment:prod',
      environment: 'prod',
      aud: AUD,
      ref: 'refs/heads/main',
      sha: 'example-sha',
      repository: 'octo-org/octo-repo',
      repository_owner: 'octo-org',
      actor_id: '12',
      repository_visibility: 'private',
      repository_id: '74',
      repository_owner_id: '65',
      run_id: '1234567890',
      run_number: '10',
      run_attempt: '2',
      runner_environment: 'github-hosted',
      actor: 'octocat',
      workflow: 'example-workflow',
      head_ref: '',
      base_ref: '',
      event_name: 'workflow_dispatch',
      ref_type: 'branch',
      job_workflow_ref: 'octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main',
      nbf: t - 5,
      exp: t + 300,
      iat: t,
    });
    const id = await verifier.verify(token);
    assert.equal(id.subject, 'gha:repo:octo-org/octo-repo:environment:prod');
    assert.equal(id.method, 'github-actions');
    assert.equal(id.user, 'octocat');
    assert.deepEqual(id.attributes, {
      repository: 'octo-org/octo-repo',
      repository_owner: 'octo-org',
      ref: 'refs/heads/main',
      workflow: 'example-workflow',
      environment: 'prod',
      actor: 'octocat',
      run_id: '1234567890',
    });
  });

  test('a GitHub Actions token without an environment leaves it out', async () => {
    const id = await verifier.verify(
      await github.sign({
        sub: 'repo:o/r:ref:refs/heads/main',
        aud: AUD,
        repository: 'o/r',
        ref: 'refs/heads/main',
      }),
    );
    assert.deepEqual(id.attributes, { repository: 'o/r', ref: 'refs/heads/main' });
  });

  test('a token from the cluster is not a GitHub token: issuers are told apart by the exact iss', async () => {
    const token = await cluster.sign({ sub: 'repo:o/r:ref:refs/heads/main', aud: AUD, iss: github.issuer });
    await assert.rejects(verifier.verify(token), AuthError);
  });
});
