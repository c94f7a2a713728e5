"""Investigators at work, for Locust: sign in once, then browse, read, download, upload,
record custody and chat, with think time between steps.

Run by ``benchmarks/load/run.py``, in its own virtual environment (Locust is not a
dependency of the workspace). The accounts, the team and the exhibits come from the
JSON file named by ``JIT_LOAD_PLAN``. Chat sends go through a real Socket.IO client
and are reported to Locust as ``WS chat send`` (time from emit to the server's ack,
which comes after the commit).
"""

# ruff: noqa: S311  (random picks which page a simulated user opens, nothing secret)

import itertools
import json
import os
import random
import re
import secrets
import time
from urllib.parse import urljoin

import socketio
import urllib3
from locust import HttpUser, between, task

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)  # self-signed, loopback

PLAN = json.loads(open(os.environ["JIT_LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
ACCOUNTS = itertools.cycle(PLAN["accounts"])
HIDDEN = re.compile(r'<input[^>]*type="hidden"[^>]*>')
NAME = re.compile(r'name="([^"]+)"')
VALUE = re.compile(r'value="([^"]*)"')
NAMESPACE = "/chat"


def hidden_fields(page: str) -> dict:
    fields = {}
    for tag in HIDDEN.findall(page):
        name, value = NAME.search(tag), VALUE.search(tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


class Investigator(HttpUser):
    wait_time = between(1, 4)

    def on_start(self):
        self.client.verify = False
        self.client.trust_env = False
        self.client.headers["Referer"] = f"{self.host}/"  # as a browser sends it over HTTPS
        self.account = next(ACCOUNTS)
        self.tag = secrets.token_hex(6)
        self.team = PLAN["team"]
        self.exhibits = PLAN["exhibits"]
        self.own_exhibits = []
        page = self.client.get("/login", name="/login").text
        with self.client.post(
            "/login",
            data=hidden_fields(page) | {"email": self.account, "password": PLAN["password"]},
            name="/login (sign in)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"sign-in answered {response.status_code}")
        self.sequence = itertools.count(1)
        self.socket = None
        self._connect_chat()

    def _connect_chat(self):
        cookie = "; ".join(f"{c.name}={c.value}" for c in self.client.cookies)
        started = time.perf_counter()
        try:
            sio = socketio.Client(reconnection=False, ssl_verify=False)
            sio.connect(
                self.host,
                namespaces=[NAMESPACE],
                headers={"Cookie": cookie},
                auth={"team": self.team},
                transports=["websocket"],
                wait_timeout=20,
            )
            joined = sio.call("join", {"channel": PLAN["channel"]}, namespace=NAMESPACE, timeout=20)
            if not joined.get("ok"):
                raise RuntimeError(f"join refused: {joined}")
        except Exception as error:
            self._report("WS", "chat connect", started, error)
            return
        self._report("WS", "chat connect", started, None)
        self.socket = sio

    def _report(self, kind, name, started, error):
        self.environment.events.request.fire(
            request_type=kind,
            name=name,
            response_time=(time.perf_counter() - started) * 1000,
            response_length=0,
            exception=error,
            context={},
        )

    def on_stop(self):
        if self.socket is not None:
            self.socket.disconnect()
            self.socket.shutdown()

    @task(3)
    def overview(self):
        self.client.get(f"/t/{self.team}/", name="/t/[team]/")

    @task(3)
    def evidence_list(self):
        order = random.choice(["", "?sort=exhibit", "?sort=-collected", "?sort=title"])
        self.client.get(f"/t/{self.team}/evidence/{order}", name="/t/[team]/evidence/")

    @task(3)
    def open_item(self):
        exhibit = random.choice(self.exhibits)["exhibit"]
        self.client.get(f"/t/{self.team}/evidence/{exhibit}", name="/t/[team]/evidence/[item]")

    @task(2)
    def download(self):
        exhibit = random.choice(self.exhibits)
        self.client.get(
            f"/t/{self.team}/evidence/{exhibit['exhibit']}/files/{exhibit['file_id']}",
            name="/t/[team]/evidence/[item]/files/[file]",
        )

    @task(1)
    def upload(self):
        page = self.client.get(f"/t/{self.team}/evidence/new", name="/t/[team]/evidence/new").text
        number = next(self.sequence)
        fields = hidden_fields(page) | {
            "title": f"Load test upload {number}",
            "item_type": "document",
            "collected_by": "Load test",
            "collected_at": "2026-03-14T09:30",
            "collected_time_zone": "Europe/Amsterdam",
            "collected_location": "Rotterdam",
            "legal_basis": "Art. 94 Sv",
            "visibility": "team",
            "handling_code": "H0",
            "source_reliability": "B",
            "information_accuracy": "2",
        }
        payload = os.urandom(32 * 1024)
        with self.client.post(
            f"/t/{self.team}/evidence/new",
            data=fields,
            files={"files": (f"scan-{number}.bin", payload, "application/octet-stream")},
            name="/t/[team]/evidence/new (upload 32 KiB)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 303:
                response.failure(f"upload answered {response.status_code}")
            else:
                self.own_exhibits.append(response.headers["Location"])

    @task(1)
    def record_custody(self):
        if not self.own_exhibits:
            return
        item = urljoin(self.host, random.choice(self.own_exhibits)).rstrip("/")
        path = item[len(self.host) :] + "/custody"
        page = self.client.get(f"{path}?type=analysed", name="/t/[team]/evidence/[item]/custody")
        with self.client.post(
            path,
            data=hidden_fields(page.text)
            | {
                "event_type": "analysed",
                "occurred_at": "2026-03-15T10:00",
                "time_zone": "Europe/Amsterdam",
                "location": "Forensic lab, Rotterdam",
                "purpose": "Load test analysis",
                "method": "Load tool 1.0",
                "notes": "",
            },
            name="/t/[team]/evidence/[item]/custody (record)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 303:
                response.failure(f"custody answered {response.status_code}")

    @task(3)
    def chat(self):
        if self.socket is None:
            return
        started = time.perf_counter()
        try:
            answer = self.socket.call(
                "send",
                {
                    "channel": PLAN["channel"],
                    "client_id": f"load-{self.tag}-{next(self.sequence):06d}",
                    "body": "Status update from the load test.",
                },
                namespace=NAMESPACE,
                timeout=20,
            )
            error = None if answer.get("ok") else RuntimeError(str(answer)[:200])
        except Exception as failure:
            error = failure
        self._report("WS", "chat send", started, error)

    @task(1)
    def search(self):
        if not PLAN.get("search_path"):
            return
        term = random.choice(["ledger", "phone", "Rotterdam", "pistol", "transfer"])
        self.client.get(f"{PLAN['search_path']}?q={term}", name="/t/[team]/search?q=[term]")
