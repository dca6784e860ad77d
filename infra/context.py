"""On whose behalf the engine is working: the id of the web request (set by the
request middleware) or of the request that queued the task (set by the task), so that
a text's delivery logs under the id of the request that caused it.

Imports nothing of the apps: the logging configuration reads it before they load.
"""

from contextvars import ContextVar

request_id = ContextVar("icpportal_request_id", default="-")
