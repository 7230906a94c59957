/**
 * DOM building for the account pages: every text (an account's labels, a change log's detail, a watcher link's
 * name, an API error) becomes a text node or an attribute value, never markup, so nothing a miner or the API sends
 * can run as script (no innerHTML on these pages).
 */

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | undefined | ((e: Event) => void)>;

/** `h('p', { class: 'error' }, 'text', h('b', {}, 'bold'))`; `on<event>` attributes become listeners. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  el.append(...nodes(children));
  return el;
}

function nodes(children: Child[]): Node[] {
  return children
    .filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false)
    .map((c) => (typeof c === 'object' ? c : document.createTextNode(String(c))));
}

/** A table in its own scroll container: on a 360 px phone the table scrolls, the page does not. */
export function table(testid: string, head: string[], rows: Node[], empty: string): HTMLElement {
  const body = rows.length > 0 ? rows : [h('tr', {}, h('td', { colspan: head.length }, empty))];
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { 'data-testid': testid },
      h('thead', {}, h('tr', {}, ...head.map((t) => h('th', {}, t)))),
      h('tbody', {}, ...body),
    ),
  );
}

/** A labelled form field, full width on a phone. */
export function field(label: string, input: HTMLElement): HTMLLabelElement {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

/** A status line a form writes its outcome into (text only). */
export function status(testid: string): HTMLParagraphElement {
  return h('p', { class: 'status', 'data-testid': testid, role: 'status' });
}

export function say(el: HTMLElement, text: string, bad = false): void {
  el.textContent = text;
  el.classList.toggle('error', bad);
}

/**
 * A button that runs `action` on a click: disabled meanwhile, a failure written as text into `out` (or, without one,
 * into the button itself, for a button in a table row).
 */
export function actionButton(
  text: string,
  testid: string,
  action: () => Promise<void>,
  out?: HTMLElement,
): HTMLButtonElement {
  const button = h('button', { type: 'button', 'data-testid': testid }, text);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await action();
    } catch (err) {
      say(out ?? button, (err as Error).message, true);
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
