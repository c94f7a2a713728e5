"""The chat's admission (jit/chat/admission.py) in front of a modelled server, on a fake clock.

python benchmarks/chat/admission_sim.py

Twenty senders offer ``--offered`` new sends a second for ``--seconds``; the real
:class:`jit.chat.admission.Admission` takes each in or refuses it, and a refused send
comes back after its ``retry_after`` under the same key, as the chat page does. The
modelled server completes at most ``capacity`` sends a second, first in first out, and
never before a send has been in the process for ``time in process`` (its group commit
and broadcast). The script prints, for each pair, the p99 from a message's first
emit to its completion, the refusals and the pace the admission measured at the end.

It isolates one question from the machine's noise: does the admission hold a load the
server could carry when a send stays in the process longer than ``TARGET_WAIT``?
Session 30's figures are in README.md.
"""

import argparse
import heapq
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from jit.chat import admission

SENDERS = 20
TICK = 0.02  # the modelled server completes work every 20 ms


def simulate(offered: float, capacity: float, time_in_process: float, seconds: float):
    now = [0.0]
    gate = admission.Admission(capacity=400, clock=lambda: now[0])
    arrivals = [(n / offered, n, n / offered) for n in range(int(offered * seconds))]
    heapq.heapify(arrivals)
    inside: list[tuple[float, int, float]] = []  # (first emit, sender, taken in at)
    latencies, refusals, budget = [], 0, 0.0
    while arrivals or inside:
        now[0] += TICK
        while arrivals and arrivals[0][0] <= now[0]:
            _due, key, first = heapq.heappop(arrivals)
            try:
                gate.enter(key=key, person=key % SENDERS)
                inside.append((first, key % SENDERS, now[0]))
            except admission.Refused as refused:
                refusals += 1
                heapq.heappush(arrivals, (now[0] + refused.retry_after, key, first))
        budget += capacity * TICK
        while inside and budget >= 1 and inside[0][2] <= now[0] - time_in_process:
            first, sender, _taken_in = inside.pop(0)
            budget -= 1
            gate.leave(person=sender)
            latencies.append(now[0] - first)
        if not inside:
            budget = min(budget, capacity * TICK)
    latencies.sort()
    return latencies[int(len(latencies) * 0.99)], refusals, gate.rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--offered", type=float, default=559.0, help="new sends a second")
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()
    print(f"TARGET_WAIT {admission.TARGET_WAIT} s, {args.offered:.0f} sends/s offered")
    for time_in_process in (0.0, 0.1, 0.2, 0.3, 0.4):
        for capacity in (700.0, 500.0):
            p99, refusals, rate = simulate(args.offered, capacity, time_in_process, args.seconds)
            print(
                f"time in process >= {time_in_process:.1f} s, capacity {capacity:.0f}/s: "
                f"p99 {p99:6.2f} s, refusals {refusals:5d}, measured pace at the end {rate:4.0f}/s"
            )


if __name__ == "__main__":
    main()
