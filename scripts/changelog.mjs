// `npm run changelog`: renders CHANGELOG.md from `git log`, in the format release-please writes
// (conventional-changelog "conventionalcommits" notes), with the sections of release-please-config.json.
//
// Why a script: release-please itself runs against the GitHub API (it opens the release PR that bumps
// package.json and prepends the new version's notes to CHANGELOG.md). This renders the same notes offline,
// from the local history: one section per `v<version>` tag, newest first, and the commits not yet released
// under "Unreleased" (a preview of the next release PR). Re-running it after a release tag exists turns that
// preview into the version's section, so the file always matches the history.
//
//   node scripts/changelog.mjs            writes CHANGELOG.md
//   node scripts/changelog.mjs --stdout   prints it instead
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const config = JSON.parse(readFileSync('release-please-config.json', 'utf8'));
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const SECTIONS = config['changelog-sections'].filter((section) => !section.hidden);
const REPO = repositoryUrl(pkg.repository);
const HEADER = /^(?<type>\w+)(?:\((?<scope>[^()]+)\))?(?<bang>!)?: (?<subject>.+)$/;

const git = (...args) => execFileSync('git', args, { encoding: 'utf8' });

/** `https://github.com/owner/name` from package.json `repository`, or undefined (then no links). */
function repositoryUrl(repository) {
  const url = typeof repository === 'string' ? repository : repository?.url;
  const match = url && /github\.com[/:]([^/]+\/[^/.]+)/.exec(url);
  return match ? `https://github.com/${match[1]}` : undefined;
}

/** The commits in `range` (oldest excluded, newest first), merges left out as release-please does. */
function commits(range) {
  const log = git('log', '--no-merges', '--format=%H%x1f%h%x1f%s%x1f%b%x1e', ...range);
  return log
    .split('\x1e')
    .map((record) => record.trim())
    .filter(Boolean)
    .map((record) => {
      const [hash, short, subject, body = ''] = record.split('\x1f');
      return { hash, short, subject, body };
    });
}

/** Parses a Conventional Commit; undefined for a message that is not one (left out of the notes). */
function parse(commit) {
  const match = HEADER.exec(commit.subject);
  if (!match) return undefined;
  const { type, scope, bang, subject } = match.groups;
  const note = /^BREAKING[ -]CHANGE: ([\s\S]+?)(?:\n\n|$)/m.exec(commit.body);
  const breaking = note ? note[1].trim() : bang ? subject : undefined;
  return { ...commit, type: type.toLowerCase(), scope, description: subject, breaking };
}

function link(commit) {
  return REPO ? `([${commit.short}](${REPO}/commit/${commit.hash}))` : `(${commit.short})`;
}

function entry(commit, text = commit.description) {
  return `* ${commit.scope ? `**${commit.scope}:** ` : ''}${text} ${link(commit)}`;
}

/** Entries as conventional-changelog sorts them (`commitsSort: ['scope', 'subject']`): unscoped first. */
function sorted(parsed) {
  const key = (c) => [c.scope ?? '', c.description];
  return [...parsed].sort((a, b) => {
    const [scopeA, subjectA] = key(a);
    const [scopeB, subjectB] = key(b);
    return scopeA === scopeB ? subjectA.localeCompare(subjectB, 'en') : scopeA.localeCompare(scopeB, 'en');
  });
}

/** One release's notes: breaking changes first, then the configured sections in their order. */
function notes(heading, parsed) {
  const parts = [heading];
  const breaking = parsed.filter((c) => c.breaking);
  if (breaking.length)
    parts.push('### ⚠ BREAKING CHANGES', breaking.map((c) => entry(c, c.breaking)).join('\n'));
  for (const { type, section } of SECTIONS) {
    const inSection = sorted(parsed.filter((c) => c.type === type));
    if (inSection.length) parts.push(`### ${section}`, inSection.map((c) => entry(c)).join('\n'));
  }
  if (parts.length === 1) parts.push('Nothing user-facing (internal changes only).');
  return parts.join('\n\n\n').replace(/\n\n\n(?!###)/g, '\n\n');
}

function heading(tag, previous, date) {
  const version = tag.replace(/^v/, '');
  if (REPO && previous) return `## [${version}](${REPO}/compare/${previous}...${tag}) (${date})`;
  return `## ${version} (${date})`;
}

const tags = git('tag', '--list', 'v[0-9]*', '--sort=-v:refname').split('\n').filter(Boolean);
const releases = [];
const unreleased = commits([tags[0] ? `${tags[0]}..HEAD` : 'HEAD'])
  .map(parse)
  .filter(Boolean);
if (unreleased.length) releases.push(notes('## Unreleased', unreleased));
tags.forEach((tag, i) => {
  const previous = tags[i + 1];
  const date = git('log', '-1', '--format=%cs', tag).trim();
  const range = previous ? [`${previous}..${tag}`] : [tag];
  releases.push(notes(heading(tag, previous, date), commits(range).map(parse).filter(Boolean)));
});

const changelog = `# Changelog\n\n${releases.join('\n\n') || 'No releases yet.'}\n`;
if (process.argv.includes('--stdout')) process.stdout.write(changelog);
else {
  writeFileSync('CHANGELOG.md', changelog);
  console.log(`CHANGELOG.md: ${tags.length} release(s)${unreleased.length ? ' and Unreleased' : ''}`);
}
