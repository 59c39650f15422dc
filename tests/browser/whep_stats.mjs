// Plays one WHEP stream in the system Chromium and prints what its WebRTC stack decoded, as JSON.
//
//   WHEP_TOKEN=<access token> node tests/browser/whep_stats.mjs --url http://127.0.0.1:PORT/whep/1/main
//        [--seconds 4] [--chromium /usr/bin/chromium] [--sample-ms 250]
//
// Output: {"codec": "video/H264", "firstFrameMs": 180, "width": 1280, "height": 720,
//          "samples": [{"t": 250, "framesDecoded": 5, "framesDropped": 0}, ...], "deleteStatus": 200,
//          "localCandidates": ["127.0.0.1"]}
// t and firstFrameMs count from the POST. Exit status 1 with {"error": "..."} when anything fails.
// The token comes from the environment, not the command line, where any local user could read it; the
// page sends it as `Authorization: Bearer` with the POST and the DELETE.
//
// The page is the WHEP server's own origin (its 404 page), so the fetch needs no CORS. Never downloads a
// browser: playwright-core drives the executable given (PLATFORM_NOTES, "aiortc and WebRTC").
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    seconds: { type: 'string', default: '4' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    'sample-ms': { type: 'string', default: '250' },
  },
});

// Chromium on a loopback-only host: loopback ICE candidates allowed, real addresses instead of mDNS names.
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--allow-loopback-in-peer-connection',
  '--disable-features=WebRtcHideLocalIpsWithMdns',
  '--autoplay-policy=no-user-gesture-required',
];

// Runs inside the page: a minimal WHEP client (RFC 9725) without trickle ICE.
async function playWhep({ url, token, seconds, sampleMs }) {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const pc = new RTCPeerConnection({ iceServers: [] });
  pc.addTransceiver('video', { direction: 'recvonly' });
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  document.body.appendChild(video);
  pc.ontrack = (event) => {
    video.srcObject = event.streams[0] ?? new MediaStream([event.track]);
    video.play().catch(() => {});
  };
  await pc.setLocalDescription(await pc.createOffer());
  for (let waited = 0; pc.iceGatheringState !== 'complete' && waited < 3000; waited += 20) {
    await sleep(20);
  }
  const localCandidates = [...pc.localDescription.sdp.matchAll(/^a=candidate:\S+ \d+ \S+ \d+ (\S+)/gm)]
    .map((match) => match[1]);
  const start = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${token}` },
    body: pc.localDescription.sdp,
  });
  if (response.status !== 201) {
    throw new Error(`POST answered ${response.status}: ${await response.text()}`);
  }
  const location = new URL(response.headers.get('Location'), url).href;
  await pc.setRemoteDescription({ type: 'answer', sdp: await response.text() });

  const result = { codec: null, firstFrameMs: null, width: null, height: null, samples: [] };
  while (performance.now() - start < seconds * 1000) {
    await sleep(sampleMs);
    const stats = await pc.getStats();
    for (const report of stats.values()) {
      if (report.type !== 'inbound-rtp' || report.kind !== 'video') continue;
      const t = Math.round(performance.now() - start);
      const decoded = report.framesDecoded ?? 0;
      result.samples.push({ t, framesDecoded: decoded, framesDropped: report.framesDropped ?? 0 });
      if (decoded > 0 && result.firstFrameMs === null) result.firstFrameMs = t;
      result.width = report.frameWidth ?? result.width;
      result.height = report.frameHeight ?? result.height;
      if (report.codecId && stats.get(report.codecId)) result.codec = stats.get(report.codecId).mimeType;
    }
  }
  const deleted = await fetch(location, {
    method: 'DELETE',
    headers: { Authorization: `Bearer ${token}` },
  });
  result.deleteStatus = deleted.status;
  result.localCandidates = [...new Set(localCandidates)];
  pc.close();
  return result;
}

async function main() {
  if (!options.url) throw new Error('--url is required');
  const token = process.env.WHEP_TOKEN;
  if (!token) throw new Error('WHEP_TOKEN is required (the endpoint answers 401 without it)');
  const profile = mkdtempSync(join(tmpdir(), 'whep-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: options.chromium,
    headless: true,
    args: CHROMIUM_FLAGS,
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(new URL('/', options.url).href);  // same origin as the endpoint: no CORS needed
    const result = await page.evaluate(playWhep, {
      url: options.url,
      token,
      seconds: Number(options.seconds),
      sampleMs: Number(options['sample-ms']),
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stdout.write(`${JSON.stringify({ error: String(error?.stack ?? error) })}\n`);
  process.exitCode = 1;
});
