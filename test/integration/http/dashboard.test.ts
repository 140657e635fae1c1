import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MsgType } from '../../../src/mqttsn/codec/constants.js';
import { Lwm2mTestDevice, pathOf, type DeviceMessage } from '../../helpers/lwm2m-device.js';
import { SnTestClient } from '../../helpers/sn-client.js';
import { uniqueEp } from '../lwm2m/harness.js';
import { missingTool } from '../upstream/test-certificates.js';
import { startGatewayUnderTest, type GatewayUnderTest } from './running-gateway.js';

/** Debian's chromium (apt-get install chromium); nothing is downloaded. */
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** Screenshots for people to look at (gitignored). */
const ARTIFACTS = join(import.meta.dirname, '../../../test-artifacts/dashboard');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const available = existsSync(CHROMIUM);
if (!available) missingTool('chromium');

/** Answers the gateway's requests like a small real device: Device object values, observe + later notifications. */
class ScriptedDevice {
  readonly values: Record<string, string> = { '/3/0/0': 'ACME Corp', '/3/0/1': 'Model 7', '/3/0/9': '87', '/1/0/1': '300' };
  observed: DeviceMessage | undefined;
  #stopped = false;
  constructor(readonly dev: Lwm2mTestDevice) {}

  async serve(): Promise<void> {
    while (!this.#stopped) {
      let req: DeviceMessage;
      try {
        req = await this.dev.expectRequest(500);
      } catch {
        continue;
      }
      const path = pathOf(req);
      const observe = req.options.find((o) => o.number === 6);
      if (req.code === '0.01' && observe !== undefined && observe.value.length === 0) {
        this.observed = req;
        this.dev.respond(req, { code: '2.05', format: 0, payload: this.values[path] ?? '0', observe: 1 });
      } else if (req.code === '0.01') {
        const value = this.values[path];
        this.dev.respond(req, value === undefined ? { code: '4.04' } : { code: '2.05', format: 0, payload: value });
      } else {
        this.dev.respond(req, { code: '2.04' });
      }
    }
  }

  stop(): void {
    this.#stopped = true;
  }
}

/** A browser on a busy CI machine is slower than the rest: each step waits up to 10 s, a test up to 60 s. */
const BROWSER_TEST_MS = 60_000;

describe.skipIf(!available)('dashboard in a real browser (Debian chromium, headless)', () => {
  let g: GatewayUnderTest;
  let context: BrowserContext;
  let profile: string;
  let device: ScriptedDevice;
  let serving: Promise<void>;
  let ep: string;
  const shots: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    g = await startGatewayUnderTest();
    profile = await mkdtemp(join(tmpdir(), 'gw-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1280, height: 800 },
    });
    const dev = await Lwm2mTestDevice.open(g.lwm2m);
    ep = uniqueEp('dash');
    expect((await dev.register(ep, { lt: 600, lwm2m: '1.1', links: '</1/0>,</3/0>' })).code).toBe('2.01');
    device = new ScriptedDevice(dev);
    serving = device.serve();
  }, 60_000);

  afterAll(async () => {
    device?.stop();
    await serving;
    await device?.dev.close();
    await context?.close();
    if (profile !== undefined) await rm(profile, { recursive: true, force: true });
    await g?.close();
  });

  async function shot(page: Page, name: string): Promise<void> {
    const file = join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    shots.push(file);
  }

  it(
    'overview shows live counters; a read shows the value; observe shows notified values',
    async () => {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.goto(g.base);
      await page.locator('#live.ok').waitFor();
      await page.locator('.card', { hasText: 'LwM2M devices' }).locator('.value', { hasText: '1' }).waitFor();
      await shot(page, 'laptop-overview');

      await page.click('a[data-tab=lwm2m]');
      await page.click(`#lw-list li[data-endpoint="${ep}"]`);
      const manufacturer = page.locator('.res[data-path="/3/0/0"]');
      await manufacturer.locator('.name', { hasText: 'Manufacturer' }).waitFor();
      await manufacturer.locator('button[data-action=read]').click();
      await expectText(manufacturer.locator('.val'), 'ACME Corp');

      const battery = page.locator('.res[data-path="/3/0/9"]');
      await battery.locator('button[data-action=observe]').click();
      await expectText(battery.locator('.val'), '87');
      expect(await battery.locator('.val.observed').count()).toBe(1);
      const observed = device.observed;
      if (observed === undefined) throw new Error('no observe reached the device');
      await device.dev.sendResponse(observed, { code: '2.05', format: 0, payload: '42', observe: 2 }, 'NON');
      await expectText(battery.locator('.val'), '42');
      // LwM2M 1.1 Send (POST /dp, SenML JSON) updates the shown values too.
      expect((await device.dev.sendData(JSON.stringify([{ bn: '/3/0/', n: '1', vs: 'Model 8' }]), 110)).code).toBe('2.04');
      await expectText(page.locator('.res[data-path="/3/0/1"] .val'), 'Model 8');

      // Write: an inline field, Enter sends it; the device's 2.04 shows as the row's status.
      const offset = page.locator('.res[data-path="/3/0/14"]');
      await offset.locator('button[data-action=write]').click();
      await offset.locator('input').fill('+02:00');
      await offset.locator('input').press('Enter');
      await expectText(offset.locator('.badge'), '2.04');
      await expectText(offset.locator('.val'), '+02:00');
      const reboot = page.locator('.res[data-path="/3/0/4"]');
      await reboot.locator('button[data-action=execute]').click();
      await expectText(reboot.locator('.badge'), '2.04');
      await shot(page, 'laptop-lwm2m-device');

      await page.click('a[data-tab=events]');
      await page.locator(`#event-log li[data-type=register]`, { hasText: ep }).waitFor();
      await shot(page, 'laptop-events');
      expect(errors).toEqual([]);
      await page.close();
    },
    BROWSER_TEST_MS,
  );

  it(
    'an MQTT-SN client appears, is kicked from the page, and disappears',
    async () => {
      const page = await context.newPage();
      page.on('dialog', (dialog) => void dialog.accept());
      await page.goto(`${g.base}/#mqttsn`);
      await page.locator('#live.ok').waitFor();
      const client = await SnTestClient.open(g.snPort);
      const id = `dash-sn-${process.pid}`;
      try {
        await client.connect(id, { duration: 45 });
        const row = page.locator(`#sn-table tr[data-clientid="${id}"]`);
        await row.waitFor();
        await expectText(row.locator('.state'), 'active');
        await row.locator('a').click();
        await expectText(page.locator('#sn-topics'), `127.0.0.1:${client.port}`);
        await expectText(page.locator('#sn-topics'), '45s');
        await shot(page, 'laptop-mqttsn');
        await row.locator('button[data-action=kick]').click();
        await client.expect(MsgType.DISCONNECT);
        await row.waitFor({ state: 'detached' });

        // A client that leaves by itself disappears too.
        const other = `dash-sn2-${process.pid}`;
        await client.connect(other);
        const row2 = page.locator(`#sn-table tr[data-clientid="${other}"]`);
        await row2.waitFor();
        await client.send({ type: MsgType.DISCONNECT });
        await client.expect(MsgType.DISCONNECT);
        await row2.waitFor({ state: 'detached' });
      } finally {
        await client.close();
        await page.close();
      }
    },
    BROWSER_TEST_MS,
  );

  it(
    'is readable at phone width (screenshots)',
    async () => {
      const page = await context.newPage();
      await page.setViewportSize({ width: 390, height: 844 });
      await page.goto(g.base);
      await page.locator('#live.ok').waitFor();
      await shot(page, 'phone-overview');
      await page.click('a[data-tab=lwm2m]');
      await page.click(`#lw-list li[data-endpoint="${ep}"]`);
      await page.locator('.res[data-path="/3/0/0"] button[data-action=read]').click();
      await expectText(page.locator('.res[data-path="/3/0/0"] .val'), 'ACME Corp');
      await shot(page, 'phone-lwm2m-device');
      // Nothing wider than the screen: no horizontal scrolling of the page itself.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      const client = await SnTestClient.open(g.snPort);
      try {
        await client.connect(`dash-phone-${process.pid}`, { duration: 120 });
        await page.click('a[data-tab=mqttsn]');
        await page.locator(`#sn-table tr[data-clientid="dash-phone-${process.pid}"]`).waitFor();
        await shot(page, 'phone-mqttsn');
        expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      } finally {
        await client.close();
      }
      await page.close();
      expect(shots.length).toBeGreaterThanOrEqual(5);
    },
    BROWSER_TEST_MS,
  );
});

async function expectText(locator: import('playwright-core').Locator, text: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  let last = '';
  while (Date.now() < deadline) {
    last = (await locator.textContent()) ?? '';
    if (last.includes(text)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`expected "${text}", saw "${last}"`);
}
