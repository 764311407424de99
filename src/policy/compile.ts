// Policy file → CompiledPolicy, once at boot (and on change): schema, globs and CEL are all
// checked here, every problem reported at once, naming file, path and rule. The hot path
// (evaluate.ts) only applies what this produced.

import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { PARSE_ONCE } from '../core/parse-once.ts';
import { compileCondition } from './cel.ts';
import { PolicyError } from './errors.ts';
import { compileGlobSet, type GlobSet } from './glob.ts';
import { buildRuleIndex } from './rule-index.ts';
import { policySchema, type RuleDocument } from './schema.ts';
import type { CompiledPolicy, CompiledRule, SubjectMatcher } from './types.ts';

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out || '(top level)';
}

/** The id written at rules[i], when there is one, to name the rule in a message. */
function ruleIdAt(raw: unknown, path: readonly PropertyKey[]): string | undefined {
  if (path[0] !== 'rules' || typeof path[1] !== 'number') return undefined;
  const rules = (raw as { rules?: unknown } | null)?.rules;
  const r = Array.isArray(rules) ? (rules[path[1]] as { id?: unknown } | undefined) : undefined;
  return typeof r?.id === 'string' ? r.id : undefined;
}

function issueText(source: string, raw: unknown, path: readonly PropertyKey[], message: string): string {
  const id = ruleIdAt(raw, path);
  return `${source}: ${formatPath(path)}: ${message}${id === undefined ? '' : ` (rule '${id}')`}`;
}

function zodMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown key ${issue.keys.map((k) => `'${k}'`).join(', ')}`;
  return issue.message;
}

/** Validates and compiles a parsed policy document; `source` names it in errors. Throws PolicyError. */
export function compilePolicy(raw: unknown, source = 'policy'): CompiledPolicy {
  const parsed = policySchema.safeParse(raw ?? {}, PARSE_ONCE);
  if (!parsed.success) {
    throw new PolicyError(parsed.error.issues.map((i) => issueText(source, raw, i.path, zodMessage(i))));
  }
  const issues: string[] = [];
  const seen = new Map<string, number>();
  const rules = parsed.data.rules.map((doc, index) => {
    const fail = (field: readonly PropertyKey[], msg: string): void => {
      issues.push(issueText(source, raw, ['rules', index, ...field], msg));
    };
    const first = seen.get(doc.id);
    if (first !== undefined) fail(['id'], `duplicate id '${doc.id}' (first at rules[${first}])`);
    else seen.set(doc.id, index);
    return compileRule(doc, index, fail);
  });
  if (issues.length > 0) throw new PolicyError(issues);
  const frozen = Object.freeze(rules);
  return Object.freeze({
    source,
    rules: frozen,
    protocolMethods: parsed.data.protocolMethods,
    bucketFor: buildRuleIndex(frozen),
  });
}

function compileRule(
  doc: RuleDocument,
  index: number,
  fail: (field: readonly PropertyKey[], msg: string) => void,
): CompiledRule {
  const globs = (field: string, list: readonly string[] | undefined): GlobSet | null => {
    // An empty list means "no restriction", like an absent one: `servers: []` reads as "any".
    if (list === undefined || list.length === 0) return null;
    return compileGlobSet(list, (i, msg) => fail([field, i], `bad glob: ${msg}`));
  };
  const tools = globs('tools', doc.tools);
  const prompts = globs('prompts', doc.prompts);
  const resources = globs('resources', doc.resources);
  let when = null;
  if (doc.when !== undefined) {
    try {
      when = compileCondition(doc.when);
    } catch (err) {
      fail(['when'], (err as Error).message);
    }
  }
  return Object.freeze({
    id: doc.id,
    index,
    effect: doc.effect,
    dryRun: doc.dryRun,
    description: doc.description,
    servers: globs('servers', doc.servers),
    methods: globs('methods', doc.methods),
    names: tools || prompts || resources ? Object.freeze({ tools, prompts, resources }) : null,
    subjects: compileSubjects(doc.subjects),
    when,
    approval:
      doc.approval === undefined
        ? undefined
        : Object.freeze({
            rule: doc.id,
            approvers: Object.freeze([...doc.approval.approvers]),
            quorum: doc.approval.quorum,
            timeoutSeconds: doc.approval.timeout,
            grantForSeconds: doc.approval.grantFor,
            justification: doc.approval.justification && Object.freeze({ ...doc.approval.justification }),
          }),
    rateLimit:
      doc.rateLimit === undefined
        ? undefined
        : Object.freeze({
            rule: doc.id,
            calls: doc.rateLimit.calls,
            perSeconds: doc.rateLimit.per,
            by: doc.rateLimit.by,
          }),
  });
}

function compileSubjects(list: RuleDocument['subjects']): SubjectMatcher | null {
  if (list === undefined || list.length === 0) return null;
  const m = { subjects: new Set<string>(), users: new Set<string>(), groups: new Set<string>() };
  const attributes: [string, string][] = [];
  for (const s of list) {
    if (s.subject !== undefined) m.subjects.add(s.subject);
    if (s.user !== undefined) m.users.add(s.user);
    if (s.group !== undefined) m.groups.add(s.group);
    if (s.attribute !== undefined && s.equals !== undefined) attributes.push([s.attribute, s.equals]);
  }
  return Object.freeze({ ...m, attributes: Object.freeze(attributes) });
}

/** Reads a YAML (or JSON) file; throws PolicyError naming the file on a read or syntax error. */
export function readYamlFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PolicyError([`${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new PolicyError(doc.errors.map((e) => `${file}: ${e.message.split('\n')[0]}`));
  }
  return doc.toJS();
}

/** Reads and compiles a policy file. Throws PolicyError; the caller keeps the policy in force. */
export function loadPolicyFile(file: string): CompiledPolicy {
  return compilePolicy(readYamlFile(file), file);
}
