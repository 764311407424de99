/**
 * A policy file that cannot be used. Each issue names the file, the path and what is wrong:
 * `policy.yaml: rules[3].when: unknown variable 'tool.nme' (rule 'export-needs-dpo')`.
 * The caller keeps the policy already in force (issue 5: a bad file never opens the gate).
 */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(issues.join('\n'));
    this.issues = issues;
  }
}
