// Chromium on the pages over TLS (tests/ops/test_tls.py runs this). argv[2] is a JSON object
// {name: url}; for each, the page is opened and what Chromium saw is printed as one JSON line:
// {name: {status, title, protocol, issuer} or {error}}. The test CA is trusted through the NSS
// database in $HOME/.pki/nssdb that the caller made; no certificate error is ignored.
import { launchChromium } from './lib/harness.mjs';

const urls = JSON.parse(process.argv[2]);
const browser = await launchChromium();
const seen = {};
try {
  for (const [name, url] of Object.entries(urls)) {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      const response = await page.goto(url, { timeout: 60_000 });
      const details = await response.securityDetails();
      seen[name] = {
        status: response.status(),
        title: await page.title(),
        protocol: details ? details.protocol : null,
        issuer: details ? details.issuer : null,
      };
    } catch (e) {
      seen[name] = { error: String(e.message || e) };
    }
    await context.close();
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
