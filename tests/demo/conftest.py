from tests.console.conftest import agent, login, supervisor  # noqa: F401 - shared fixtures
