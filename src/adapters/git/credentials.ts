import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Secret, registerSecret } from '../../log/index.js';

/** HTTPS credentials for the plans repository (a token is the password). */
export interface GitCredentials {
  /** Default "x-access-token" (works for GitHub app and fine-grained tokens). */
  username?: string;
  password: Secret;
}

/**
 * Credentials from the environment: CAPSCHED_GIT_TOKEN (the token or password) and optional
 * CAPSCHED_GIT_USERNAME. Returns undefined when no token is set (ssh keys or public repos).
 */
export function readGitCredentials(env: NodeJS.ProcessEnv): GitCredentials | undefined {
  const token = env.CAPSCHED_GIT_TOKEN;
  if (token === undefined || token === '') return undefined;
  registerSecret(token);
  const username = env.CAPSCHED_GIT_USERNAME;
  return { username: username === undefined || username === '' ? undefined : username, password: new Secret(token) };
}

const ASKPASS_SCRIPT = `#!/bin/sh
# capsched: answers git's credential prompts from the environment of this git process only.
case "$1" in
  [Uu]sername*) printf '%s\\n' "$CAPSCHED_ASKPASS_USERNAME" ;;
  *) printf '%s\\n' "$CAPSCHED_ASKPASS_PASSWORD" ;;
esac
`;

/**
 * Environment for one git process. Credentials never go into the URL, argv or .git/config:
 * git asks GIT_ASKPASS, a fixed script that echoes two variables set only on this child.
 * transfer.credentialsInUrl=die makes git itself refuse a URL with a password.
 */
export function gitEnvironment(workDir: string, credentials: GitCredentials | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    // simple-git refuses ambient GIT_* and editor/pager variables it did not allow; pass none.
    if (value === undefined || /^git_/i.test(key) || /^(editor|visual|pager|prefix|ssh_askpass)$/i.test(key)) continue;
    env[key] = value;
  }
  Object.assign(env, {
    LC_ALL: 'C',
    LANG: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ALLOW_PROTOCOL: 'https:http:ssh:git:file',
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'transfer.credentialsInUrl',
    GIT_CONFIG_VALUE_0: 'die',
  });
  if (credentials !== undefined) {
    env.GIT_ASKPASS = writeAskpassScript(workDir);
    env.CAPSCHED_ASKPASS_USERNAME = credentials.username ?? 'x-access-token';
    env.CAPSCHED_ASKPASS_PASSWORD = credentials.password.reveal();
  }
  return env;
}

/** The variables simple-git must be told to let through (see gitEnvironment). */
export const GIT_ALLOWED_ENVIRONMENT = [
  'GIT_TERMINAL_PROMPT',
  'GIT_ALLOW_PROTOCOL',
  'GIT_CONFIG_COUNT',
  'GIT_CONFIG_KEY_0',
  'GIT_CONFIG_VALUE_0',
  'GIT_ASKPASS',
];

function writeAskpassScript(workDir: string): string {
  mkdirSync(workDir, { recursive: true });
  const path = join(workDir, 'git-askpass.sh');
  writeFileSync(path, ASKPASS_SCRIPT, { mode: 0o700 });
  chmodSync(path, 0o700);
  return path;
}
