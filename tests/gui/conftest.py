"""GUI test policy lives in tests/conftest.py; the qasync loop fixture comes from tests/helpers/qt_async.py."""
