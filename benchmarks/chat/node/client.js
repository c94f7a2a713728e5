// Chat benchmark clients under Node.js: the official Socket.IO client, so the harness
// takes a small share of the machine and the server, not the clients, is measured
// (issue 15). benchmarks/chat/run.py --clients node starts one of these per client
// process and speaks JSON lines with it:
//
//   argv[2]   {"urls", "cookies", "offset", "team", "channel", "senders", "namespace"}
//   stdout    {"ready": <clients connected and joined>}
//   stdin     {"plan": [step, start, interval, total]}   (times in CLOCK_MONOTONIC seconds)
//   stdout    {"result": [latencies (s), distinct, duplicated, refused, emitted, refusedAt]}
//             (emitted: each latency's emit, refusedAt: each refusal's arrival, in whole
//             seconds since the step's start)
//   stdin     {"end": true}
//
// The same as run.py's Python clients: the first `senders` clients of the process
// with offset 0 send; a refused send goes again after its retry_after under the same
// client id; a delivery's latency is its arrival minus the sender's emit, both read
// from CLOCK_MONOTONIC (process.hrtime, as Python's time.monotonic), one clock for
// every process on the machine.
"use strict";

const readline = require("node:readline");
const { io } = require("socket.io-client");

const config = JSON.parse(process.argv[2]);
const now = () => Number(process.hrtime.bigint()) / 1e9;
const say = (object) => process.stdout.write(JSON.stringify(object) + "\n");

const clients = [];
let step = null;
let seen = [];
let latencies = [];
let emitted = [];
let refusedAt = [];
let stepStart = 0;
let duplicated = 0;
let refused = 0;

function delivered(index) {
  return (payload) => {
    const arrived = now();
    const [ofStep, number, sent] = String(payload.text).split(" ");
    if (ofStep !== step) return; // a late delivery of an earlier step
    if (seen[index].has(number)) {
      duplicated += 1;
      return;
    }
    seen[index].add(number);
    latencies.push(arrived - Number(sent));
    emitted.push(Math.floor(Number(sent) - stepStart));
  };
}

function send(socket, data) {
  socket.emit("send", data, (answer) => {
    if (answer && !answer.ok && answer.retry_after) {
      setTimeout(() => send(socket, data), answer.retry_after * 1000);
    }
  });
}

function connect(cookie, index) {
  const url = config.urls[(config.offset + index) % config.urls.length];
  const socket = io(url + config.namespace, {
    transports: ["websocket"],
    extraHeaders: { Cookie: `jit_session=${cookie}` },
    auth: { team: config.team },
    reconnection: false,
    timeout: 30000,
  });
  const deliver = delivered(index);
  socket.on("message", deliver);
  socket.on("messages", (messages) => messages.forEach(deliver)); // committed together
  socket.on("chat_error", () => {
    refused += 1;
    refusedAt.push(Math.floor(now() - stepStart));
  });
  return new Promise((resolve, reject) => {
    socket.once("connect", async () => {
      try {
        const answer = await socket.timeout(30000).emitWithAck("join", { channel: config.channel });
        if (!answer.ok) throw new Error(`join refused: ${JSON.stringify(answer)}`);
        resolve(socket);
      } catch (error) {
        reject(error);
      }
    });
    socket.once("connect_error", reject);
  });
}

function sleep(seconds) {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, seconds * 1000)));
}

async function run([ofStep, start, interval, total]) {
  step = ofStep;
  stepStart = start;
  latencies = [];
  emitted = [];
  refusedAt = [];
  duplicated = refused = 0;
  seen = clients.map(() => new Set());
  if (config.offset === 0) {
    // Every send that is due goes at once: a late timer does not lower the rate.
    for (let number = 0; number < total; ) {
      const delay = start + number * interval - now();
      if (delay > 0.001) {
        await sleep(delay);
        continue;
      }
      send(clients[number % config.senders], {
        channel: config.channel,
        client_id: `bench-${step}-${String(number).padStart(8, "0")}`,
        body: `${step} ${number} ${now()}`,
      });
      number += 1;
    }
  }
  const expected = total * clients.length;
  const deadline = Math.max(now(), start + total * interval) + 30;
  const count = () => seen.reduce((sum, numbers) => sum + numbers.size, 0);
  while (now() < deadline && count() < expected) await sleep(0.05);
  await sleep(0.5); // a duplicate would come right after the first delivery
  say({ result: [latencies, count(), duplicated, refused, emitted, refusedAt] });
}

async function main() {
  for (const [index, cookie] of config.cookies.entries()) {
    clients.push(await connect(cookie, index));
  }
  say({ ready: clients.length });
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const message = JSON.parse(line);
    if (message.end) break;
    await run(message.plan);
  }
  for (const socket of clients) socket.disconnect();
  process.exit(0);
}

main().catch((error) => {
  process.stderr.write(`${error.stack || error}\n`);
  process.exit(1);
});
