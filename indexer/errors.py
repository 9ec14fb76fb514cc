"""What the search service cannot answer, each error carrying the HTTP status it means
(``BadRequest`` 400, ``NotFound`` 404, ``IndexUnavailable`` 503): the web app answers them all
through one handler (``webapp/errors.py``), the command line prints their message. Messages are
shown to people as they are, in Vietnamese."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A request the service cannot answer; ``str(err)`` is shown to the user as is (Vietnamese)."""

    status = 500

    def details(self) -> dict[str, Any]:
        """What the JSON answer carries beside ``error``."""
        return {}


class BadRequest(ServiceError, ValueError):
    """Parameters we cannot honour."""

    status = 400


class BadDate(BadRequest):
    """A date field that cannot be read; ``field`` is its URL argument (``from`` or ``to``), so a
    page can show the search without it and say why."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


class NotFound(ServiceError, LookupError):
    status = 404

    def __init__(self, message: str = "Không tìm thấy văn bản này."):
        super().__init__(message)


class PastLastPage(NotFound):
    """A page number beyond the last page of results (``page=99`` of 5): the API answers 404 with
    where the results are; the search page shows the last page, with that status and a notice."""

    def __init__(self, answer: dict[str, Any]):
        super().__init__(past_last_message(answer["requested_page"], answer["pages"]))
        self.answer = answer

    def details(self) -> dict[str, Any]:
        return {key: self.answer[key] for key in ("requested_page", "pages", "total", "per_page")}


class IndexUnavailable(ServiceError):
    """No generation to answer from yet (or the first one cannot be opened); ``reason`` says why,
    for operators."""

    status = 503
    retry_after = 30  # seconds: a first build of a small archive takes about that

    def __init__(self, reason: str):
        super().__init__("Chỉ mục tìm kiếm chưa sẵn sàng. Vui lòng thử lại sau ít phút.")
        self.reason = reason

    def details(self) -> dict[str, Any]:
        return {"status": "unavailable", "reason": self.reason}


def past_last_message(requested: int, pages: int) -> str:
    return (f"Không có trang {requested}: tìm kiếm này chỉ có {pages} trang kết quả." if pages > 1
            else f"Không có trang {requested}: mọi kết quả của tìm kiếm này nằm trên một trang.")
