/**
 * The view tabs of the page (`nav.tabs`, `role="tablist"`), with the keyboard behaviour of the
 * WAI-ARIA tabs pattern: a click, Enter or Space selects a tab; ←/→ move to the previous/next tab
 * (wrapping) and Home/End to the first/last, selecting it (automatic activation); only the
 * selected tab is in the Tab order (roving `tabindex`), so Tab goes on into its panel.
 */
export function setupTabs(nav: HTMLElement): void {
  const tabs = [...nav.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const select = (tab: HTMLButtonElement, focus: boolean): void => {
    for (const other of tabs) {
      other.setAttribute('aria-selected', String(other === tab));
      other.tabIndex = other === tab ? 0 : -1;
    }
    for (const panel of document.querySelectorAll<HTMLElement>('[data-tab]')) panel.hidden = panel.dataset.tab !== tab.value;
    if (focus) tab.focus();
  };
  for (const tab of tabs) {
    tab.tabIndex = tab.getAttribute('aria-selected') === 'true' ? 0 : -1;
    tab.addEventListener('click', () => select(tab, false));
    tab.addEventListener('keydown', (e) => {
      const at = tabs.indexOf(tab);
      const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      select(tabs[(to + tabs.length) % tabs.length], true);
    });
  }
}
