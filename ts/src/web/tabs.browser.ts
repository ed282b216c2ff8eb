// The tab bar of index.html: each `role=tab` button shows the panel it `aria-controls`.
export function setUpTabs(root: Document): void {
  const tabs = Array.from(root.querySelectorAll<HTMLButtonElement>('[role=tab]'));
  const select = (chosen: HTMLButtonElement): void => {
    for (const tab of tabs) {
      const selected = tab === chosen;
      tab.setAttribute('aria-selected', String(selected));
      const panel = root.getElementById(tab.getAttribute('aria-controls') ?? '');
      if (panel) panel.hidden = !selected;
    }
  };
  for (const tab of tabs) tab.addEventListener('click', () => select(tab));
}
