import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const html = readFileSync(join(import.meta.dirname, '..', 'index.html'), 'utf8');

/** The attributes of every start tag of `tag` in the page. */
function tags(tag: string): Record<string, string>[] {
  return [...html.matchAll(new RegExp(`<${tag}\\b([^>]*)>`, 'g'))].map((m) => Object.fromEntries([...m[1].matchAll(/([\w-]+)(?:="([^"]*)")?/g)].map((a) => [a[1], a[2] ?? ''])));
}

describe('the view tabs follow the ARIA tabs pattern (a screen reader announces which is selected)', () => {
  it('a tablist of tabs, each controlling the panel labelled by it, one selected', () => {
    expect(tags('nav').find((n) => n.class === 'tabs')?.role).toBe('tablist');
    const tabs = tags('button').filter((b) => b.role === 'tab');
    expect(tabs.map((t) => t.value)).toEqual(['compare', 'evaluate']);
    expect(tabs.filter((t) => t['aria-selected'] === 'true')).toHaveLength(1);
    const panels = tags('main');
    for (const tab of tabs) {
      const panel = panels.find((p) => p.id === tab['aria-controls']);
      expect(panel, tab.value).toMatchObject({ role: 'tabpanel', 'aria-labelledby': tab.id, 'data-tab': tab.value });
    }
  });
});
