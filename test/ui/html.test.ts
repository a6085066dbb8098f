import assert from 'node:assert/strict';
import { test } from 'node:test';
import { html, raw } from '../../src/ui/html.js';

test('html escapes every value, lists and nested templates included, and leaves markup it made as it is', () => {
  const name = '<script>alert("x")</script>';
  const items = ['a&b', html`<b>${"it's"}</b>`];
  const page = html`<p title="${name}">${name}</p><ul>${items.map((item) => html`<li>${item}</li>`)}</ul>${7}${null}${undefined}${false}`;
  assert.equal(
    page.text,
    '<p title="&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;">&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;</p>' +
      '<ul><li>a&#38;b</li><li><b>it&#39;s</b></li></ul>7',
  );
  assert.equal(html`${raw('<hr>')}`.text, '<hr>');
});
