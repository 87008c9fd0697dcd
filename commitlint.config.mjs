// Conventional Commits (https://www.conventionalcommits.org), checked by `npm run check:commits` and CI.
// The types feed CHANGELOG.md: feat → Features, fix → Bug Fixes, perf → Performance, docs → Documentation
// (see release-please-config.json and scripts/changelog.mjs); the others are kept out of it.
export default {
  extends: ['@commitlint/config-conventional'],
  rules: {
    // Subjects name APIs and protocols (MQTT, QoS, CONNACK, publishTo): their case is not policed.
    'subject-case': [0],
    // A warning, not an error: the history already has longer headers, and length is style, not format.
    'header-max-length': [1, 'always', 120],
    'body-max-line-length': [1, 'always', 120],
  },
};
