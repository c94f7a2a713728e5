"""The instance's signing key: created once, whole, even when processes start together."""

import stat
import threading

from jit.signing import KEY_FILE, load_key


def _load_together(folder, starters: int) -> tuple[list[str], list[Exception]]:
    start, keys, errors = threading.Barrier(starters), [], []

    def load():
        start.wait()
        try:
            keys.append(load_key(folder).key_id)
        except Exception as failure:  # a half-written key file fails to parse
            errors.append(failure)

    threads = [threading.Thread(target=load) for _ in range(starters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return keys, errors


def test_processes_starting_together_all_use_one_complete_key(tmp_path):
    for round_number in range(40):
        folder = tmp_path / f"instance-{round_number}"
        folder.mkdir()
        keys, errors = _load_together(folder, 6)
        assert errors == [], (round_number, errors)
        assert len(set(keys)) == 1, (round_number, errors)
        assert [p.name for p in folder.iterdir()] == [KEY_FILE]  # no drafts left behind
        assert stat.S_IMODE((folder / KEY_FILE).stat().st_mode) == 0o600
