"""Fixtures both walks use: the demo's password, and the exceptions behind any 500."""

import pytest
from flask import got_request_exception

from tests.fuzz.test_fuzz_routes import DEMO_PASSWORD


@pytest.fixture
def app_config(app_config):
    return {**app_config, "DEMO_PASSWORD": DEMO_PASSWORD}


@pytest.fixture
def exceptions(app):
    """Collect the exceptions behind 500s, to name them in the failure."""
    caught = []

    def remember(sender, exception, **extra):
        caught.append(f"{type(exception).__name__}: {str(exception)[:300]}")

    got_request_exception.connect(remember, app)
    yield caught
    got_request_exception.disconnect(remember, app)
