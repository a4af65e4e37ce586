"""Classify and translate the faults of OpenAI-shaped HTTP providers (the ``openai`` SDK and ``litellm``).

litellm's exceptions subclass the ``openai`` SDK's, so one classifier serves both paths. Imported only by
provider modules that already import ``openai``.
"""

from __future__ import annotations

import email.utils
import json
import time

import openai

from supervisor.errors import (
    ProviderAuthError,
    ProviderConnectionLostError,
    ProviderError,
    ProviderModelNotFoundError,
    ProviderRateLimitError,
    ProviderResponseError,
    ProviderServerError,
    ProviderTimeoutError,
    ProviderUnreachableError,
)
from supervisor.models.retries import TransportFault

_REFUSED_HINTS = ("connection refused", "connecterror", "all connection attempts failed", "name or service")


def _status(exc: BaseException) -> int | None:
    status = getattr(exc, "status_code", None)
    return status if isinstance(status, int) else None


def _header(exc: BaseException, name: str) -> str | None:
    # litellm re-raises its own exception type and may rebuild the response without the server's headers;
    # the original exception, with them, stays on the chain.
    seen: BaseException | None = exc
    while seen is not None:
        for headers in (getattr(getattr(seen, "response", None), "headers", None), getattr(seen, "headers", None)):
            if headers is not None and hasattr(headers, "get"):
                value = headers.get(name)
                if value is not None:
                    return str(value)
        seen = seen.__cause__ or seen.__context__
    return None


def retry_after_seconds(exc: BaseException) -> float | None:
    """The server's ``Retry-After`` (seconds or an HTTP date), if the response carried one."""
    raw = _header(exc, "retry-after-ms")
    if raw is not None:
        try:
            return float(raw) / 1000
        except ValueError:
            pass
    raw = _header(exc, "retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(raw) if raw else None
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


_SPECIFIC = (openai.APITimeoutError, openai.APIConnectionError, openai.APIResponseValidationError, json.JSONDecodeError)
_NOT_JSON_HINT = "invalid response from llm endpoint"  # litellm's words for a body that is not JSON


def _specific(exc: BaseException) -> BaseException:
    """The most telling exception on the chain: litellm reports a dropped connection as a plain HTTP 500."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, _SPECIFIC):
            return seen
        seen = seen.__cause__ or seen.__context__
    return exc


def _not_json(exc: BaseException) -> bool:
    return (
        isinstance(exc, openai.APIResponseValidationError | json.JSONDecodeError) or _NOT_JSON_HINT in str(exc).lower()
    )


def classify(exc: BaseException) -> TransportFault | None:
    """Transport faults worth retrying: 429, 5xx, timeouts, connection faults. ``None``: not transport."""
    exc = _specific(exc)
    if _not_json(exc):
        return None
    if isinstance(exc, openai.APITimeoutError | openai.APIConnectionError):
        return TransportFault(retryable=True)
    status = _status(exc)
    if status == 429:
        return TransportFault(retryable=True, retry_after_s=retry_after_seconds(exc))
    if status is not None and status >= 500:
        return TransportFault(retryable=True, retry_after_s=retry_after_seconds(exc))
    return None


def _connection_refused(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__name__ == "ConnectError":
            return True
        if any(hint in str(seen).lower() for hint in _REFUSED_HINTS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def translate(exc: BaseException, provider: str, model: str, endpoint: str, attempts: int = 1) -> ProviderError:
    """The typed Baton error for a provider exception."""
    args = (provider, model, endpoint)
    exc = _specific(exc)
    status = _status(exc)
    detail = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    if isinstance(exc, openai.APITimeoutError):
        return ProviderTimeoutError(*args, "no answer before the timeout", attempts)
    if isinstance(exc, openai.APIConnectionError):
        if _connection_refused(exc):
            return ProviderUnreachableError(*args, "the host refused the connection or cannot be reached", attempts)
        return ProviderConnectionLostError(*args, "the connection dropped mid-response", attempts)
    if _not_json(exc):
        return ProviderResponseError(*args, f"the response is not valid chat-completion JSON: {detail}", attempts)
    if status in (401, 403):
        return ProviderAuthError(*args, f"HTTP {status}: the API key was rejected", attempts)
    if status == 404:
        return ProviderModelNotFoundError(*args, f"HTTP 404: model not found ({detail})", attempts)
    if status == 429:
        return ProviderRateLimitError(*args, "HTTP 429: still rate limited", attempts)
    if status is not None and status >= 500:
        return ProviderServerError(*args, f"HTTP {status}: server error", attempts)
    if status is not None:
        return ProviderError(*args, f"HTTP {status}: {detail}", attempts)
    return ProviderError(*args, f"{type(exc).__name__}: {detail}", attempts)
