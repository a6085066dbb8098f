import assert from 'node:assert/strict';
import { test } from 'node:test';
import { githubWebUrl, RepoLinks } from '../../src/ui/links.js';

test('GitHub\'s web address comes from its API address: github.com, Enterprise Server and GHE.com', () => {
  assert.equal(githubWebUrl('https://api.github.com'), 'https://github.com');
  assert.equal(githubWebUrl('https://api.github.com/'), 'https://github.com');
  assert.equal(githubWebUrl('https://ghe.example.com/api/v3'), 'https://ghe.example.com');
  assert.equal(githubWebUrl('https://ghe.example.com/api/v3/'), 'https://ghe.example.com');
  assert.equal(githubWebUrl('http://10.0.0.5:8080/git/api/v3'), 'http://10.0.0.5:8080/git');
  assert.equal(githubWebUrl('https://api.acme.ghe.com'), 'https://acme.ghe.com');
});

test('repository links encode what they carry, and an app without a repository gets text only', () => {
  const links = RepoLinks.of('https://api.github.com', 'acme/web');
  assert.equal(links.branch('feature/a b#1').text, '<a href="https://github.com/acme/web/tree/feature/a%20b%231">feature/a b#1</a>');
  assert.equal(links.pull(42).text, '<a href="https://github.com/acme/web/pull/42">#42</a>');
  assert.equal(links.commit(null).text, '<span class="muted">—</span>');
  const none = RepoLinks.of('https://api.github.com', null);
  assert.equal(none.branch('<b>').text, '&#60;b&#62;');
  assert.equal(none.commit('a'.repeat(40)).text, `<code title="${'a'.repeat(40)}">aaaaaaa</code>`);
});
