"""The HTTP matching service (FastAPI): see :func:`api.app.create_app` and ``python -m api``."""

__all__ = ["create_app"]


def create_app(settings=None, **options):  # noqa: ANN001, ANN003, ANN201 - re-export without importing FastAPI at package import
    from .app import create_app as _create_app

    return _create_app(settings, **options)
