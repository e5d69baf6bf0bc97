// Drives Debian's Chromium for the pytest browser tests: one JSON command per stdin line, one JSON answer per
// stdout line ({id, ok, result} or {id, ok: false, error}). Never downloads a browser: executablePath is given.
//
// Flutter web draws on a canvas; its accessibility tree (flt-semantics nodes) appears after the hidden
// "flt-semantics-placeholder" is clicked, and ft.Semantics(identifier=…) shows as flt-semantics-identifier.
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let browser = null;
let context = null;
let page = null;
const logs = [];
const requests = [];  // every URL the context asked for (page, workers, service worker): the PWA tests read it

const sel = (id) => `[flt-semantics-identifier="${id}"]`;

async function semantics(timeout) {
  // The placeholder is off-screen by design: click it from inside the page.
  await page.waitForSelector('flt-semantics-placeholder', { state: 'attached', timeout });
  await page.evaluate(() => document.querySelector('flt-semantics-placeholder')?.click());
  await page.waitForSelector('flt-semantics-host flt-semantics', { state: 'attached', timeout });
}

async function visibleBox(id) {
  const node = page.locator(sel(id)).last();
  if ((await node.count()) === 0) return null;
  const box = await node.boundingBox({ timeout: 500 }).catch(() => null);
  const view = page.viewportSize();
  if (!box || box.height === 0 || box.y < 0 || box.y + box.height > view.height) return null;
  return box;
}

// Flutter only puts on-screen widgets in the semantics tree, and scrolling a flt-semantics node into view does not
// scroll the canvas: wheel the app's scroll view until the node is fully on screen (down first, then up).
async function reveal(id, timeout) {
  const deadline = Date.now() + timeout;
  const scrollFrom = Date.now() + Math.min(5000, timeout / 3);  // first give a re-render time to show it
  const view = page.viewportSize();
  let step = 0;
  for (;;) {
    const box = await visibleBox(id);
    if (box) return box;
    if (Date.now() > deadline) throw new Error(`${id} is not on screen (scrolled ${step} times)`);
    if (Date.now() < scrollFrom) {
      await page.waitForTimeout(100);
      continue;
    }
    await page.mouse.move(view.width / 2, view.height * 0.3);  // over the screen's body, not the camera
    await page.mouse.wheel(0, step < 12 ? 250 : -250);
    step = (step + 1) % 24;
    await page.waitForTimeout(200);
  }
}

async function textOf(id, timeout) {
  await reveal(id, timeout).catch(() => null);  // scrolled off: bring it back if it is there at all
  const node = page.locator(sel(id)).last();
  await node.waitFor({ state: 'attached', timeout });
  return (await node.evaluate((el) => el.innerText || el.textContent || el.getAttribute('aria-label') || '')).trim();
}

const commands = {
  async launch({ executablePath, args = [], userDataDir, width = 412, height = 915, locale = 'zh-CN' }) {
    const launchArgs = [...FLAGS, ...args];
    if (userDataDir) {
      context = await chromium.launchPersistentContext(userDataDir, {
        executablePath, headless: true, args: launchArgs, viewport: { width, height }, locale,
        permissions: ['camera'],
      });
      browser = null;
    } else {
      browser = await chromium.launch({ executablePath, headless: true, args: launchArgs });
      context = await browser.newContext({ viewport: { width, height }, locale, permissions: ['camera'] });
    }
    context.on('request', (r) => requests.push(r.url()));
    page = context.pages()[0] || await context.newPage();
    page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
    return true;
  },
  async open({ url, timeout = 60000 }) {
    await page.goto(url, { waitUntil: 'load', timeout });
    await semantics(timeout);
    return true;
  },
  async wait({ id, timeout = 30000 }) {
    await reveal(id, timeout);
    return true;
  },
  async click({ id, timeout = 30000 }) {
    await page.waitForTimeout(150);  // let the last re-render reach the semantics tree
    const box = await reveal(id, timeout);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForTimeout(250);
    return true;
  },
  async fill({ id, text, timeout = 30000 }) {
    await page.waitForTimeout(150);
    await reveal(id, timeout);
    const field = page.locator(`${sel(id)} input, ${sel(id)} textarea`).last();
    await field.waitFor({ state: 'attached', timeout });
    await field.click({ force: true, timeout });
    await field.fill(text, { force: true, timeout });
    await page.waitForTimeout(150);
    return true;
  },
  async press({ key }) {
    await page.keyboard.press(key);
    return true;
  },
  async text({ id, timeout = 30000 }) {
    return textOf(id, timeout);
  },
  async waitText({ id, contains, timeout = 30000 }) {
    const deadline = Date.now() + timeout;
    let last = '';
    while (Date.now() < deadline) {
      try {
        last = await textOf(id, 1000);
        if (contains.every((c) => last.includes(c))) return last;
      } catch (e) {
        last = `(${e.message.split('\n')[0]})`;
      }
      await page.waitForTimeout(250);
    }
    throw new Error(`${id} never showed ${JSON.stringify(contains)}; last text: ${last}`);
  },
  async html({ id }) {
    return page.locator(sel(id)).last().evaluate((el) => el.outerHTML);
  },
  async exists({ id }) {
    return (await page.locator(sel(id)).count()) > 0;
  },
  async screenshot({ path, settle = 800 }) {
    await page.waitForTimeout(settle);
    await page.screenshot({ path });
    return path;
  },
  async logs() {
    return logs.splice(0);
  },
  async requests() {
    return requests.splice(0);
  },
  async evaluate({ expr }) {
    return page.evaluate(expr);
  },
  async waitFor({ expr, timeout = 30000 }) {
    await page.waitForFunction(expr, null, { timeout });
    return true;
  },
  async offline({ on = true }) {
    await context.setOffline(on);
    return true;
  },
  async reload({ timeout = 60000 }) {
    await page.reload({ waitUntil: 'load', timeout });
    await semantics(timeout);
    return true;
  },
  async close() {
    if (context) await context.close();
    if (browser) await browser.close();
    context = browser = page = null;
    return true;
  },
};

// -- Python in a plain page of the backend's origin (test_pwa_decoder.py, bench/pwa.py) --------------------------
// The bundle's Pyodide and app archive, loaded without the Flet client: the PWA's adapters run as in the app.
Object.assign(commands, {
  async pyodideBoot({ url, base = '/app/', timeout = 240000 }) {
    await page.goto(url, { waitUntil: 'load', timeout });
    await page.evaluate(async (base) => {
      const { loadPyodide } = await import(`${base}pyodide/pyodide.mjs`);
      const py = await loadPyodide({ indexURL: `${base}pyodide/` });
      const archive = await (await fetch(`${base}app.tar.gz`)).arrayBuffer();
      py.unpackArchive(archive, 'gztar', { extractDir: '/home/pyodide/app' });
      py.runPython("import sys; sys.path[:0] = ['/home/pyodide/app/__pypackages__', '/home/pyodide/app']");
      globalThis.lotlinePy = py;
    }, base);
    return true;
  },
  async pyodideWrite({ path, base64 }) {
    // Files for the Python side (camera frames, photos), base64 over the JSON line.
    await page.evaluate(({ path, base64 }) => {
      const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
      const dir = path.slice(0, path.lastIndexOf('/'));
      if (dir) globalThis.lotlinePy.FS.mkdirTree(dir);
      globalThis.lotlinePy.FS.writeFile(path, bytes);
    }, { path, base64 });
    return true;
  },
  async pyodideRun({ code }) {
    // `code` ends in an expression that is a str (JSON); awaited with top-level await allowed.
    return page.evaluate(async (code) => String(await globalThis.lotlinePy.runPythonAsync(code)), code);
  },
});

const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  if (!line.trim()) continue;
  const { id, cmd, args } = JSON.parse(line);
  try {
    if (!(cmd in commands)) throw new Error(`unknown command ${cmd}`);
    const result = await commands[cmd](args || {});
    process.stdout.write(JSON.stringify({ id, ok: true, result }) + '\n');
  } catch (e) {
    process.stdout.write(JSON.stringify({ id, ok: false, error: String(e && e.stack || e) }) + '\n');
  }
  if (cmd === 'close') break;
}
process.exit(0);
