"""JIT Workspace: the collaboration core shared by every domain package."""


def create_app(config=None):
    """Build the application; see :func:`jit.app.create_app`."""
    from jit.app import create_app as _create_app

    return _create_app(config)
