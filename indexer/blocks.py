"""Rules on lines of article text that hold for HTML pages and plain-text dumps alike.

A cleaned article is a list of blocks (paragraphs). Portals surround them with the same debris
whatever the markup: image file names, view counters, a comment box, a "Tin khác" list, an
author line. These functions work on plain strings so both extractors share them.
"""

from __future__ import annotations

import re

from .dates import find_dates

# A heading that starts what follows the article: comments, related or other news.
END_MARKER = re.compile(
    r"^(?:bình luận|ý kiến(?: bạn đọc)?|gửi (?:bình luận|ý kiến)|viết bình luận|tin khác|các tin khác|"
    r"tin liên quan|tin cùng chuyên mục|bài viết liên quan|các bài viết khác|bài liên quan|"
    r"tin mới hơn|tin cũ hơn|tin đã đưa|tin bài khác|bài viết khác|banner|chia sẻ bài viết|nơi nhận)\b"
    r"(?:\s*[:(]|\s*$)",
    re.I,
)
IMAGE = "\x00image"  # stands where an HTML page had an image, so captions can be recognised
IMAGE_NAME = re.compile(r"^\S+\.(?:jpe?g|png|gif|webp|bmp|tiff?)(?:\?\S*)?$", re.I)
# "Lượt xem: 1.234", "| :67", "Số lượt đọc: 120", "Views: 12"
COUNTER = re.compile(
    r"^(?:[|:\s]*\d[\d.,]*|(?:lượt xem|số lượt (?:xem|đọc|truy cập)|lượt đọc|views?|đã xem)\s*:?\s*\d[\d.,]*)$",
    re.I,
)
_JUNK_LINE = re.compile(
    r"^(?:icon|top|print|in bài(?: viết)?|in trang|gửi email|chia sẻ|share|tweet|like|zalo|facebook|"
    r"quay lại|trở về|về đầu trang|lên đầu trang|\[?in\]?|\d+\s*/\s*\d+|xem chi tiết(?: icon)?|xem thêm|"
    r"bản in|in bài viết|gửi bài viết|gửi cho bạn bè|chia sẻ(?:\s+\S+){0,4}|share(?:\s+\S+){0,4})$",
    re.I,
)
_NAME_WORD = re.compile(r"^[A-ZĐÀ-Ỹ][\wÀ-ỹ.]*$")
_SEPARATORS = {"-", "–", "—", ",", "&", "và", "(", ")"}


def is_junk(line: str) -> bool:
    """A line that is never article text on its own."""
    stripped = line.strip()
    return (
        not stripped
        or bool(IMAGE_NAME.match(stripped))
        or bool(COUNTER.match(stripped))
        or bool(_JUNK_LINE.match(stripped))
    )


def is_end_marker(line: str) -> bool:
    return bool(END_MARKER.match(line.strip()))


BYLINE_LABEL = re.compile(r"^(?:(?:Tác giả|Bài(?: và ảnh)?|Tin(?:, ảnh)?|Ảnh|Nguồn|Theo)\s*:\s*|(?:Viết bởi|Đăng bởi|bởi|by)\s+)",
                          re.I)


def looks_like_author(line: str) -> bool:
    """A byline: two to eight capitalised words, maybe two names joined by a dash or comma."""
    text = line.strip().strip("()").strip()
    text = BYLINE_LABEL.sub("", text)
    if not text or len(text) > 60 or text.endswith((".", ":", ";", "?", "!")) and not text.endswith(("Th.", "T.")):
        return False
    words = [w for w in re.split(r"\s+|(?<=\w)(?=[-–,])|(?<=[-–,])(?=\w)", text) if w]
    names = [w for w in words if w not in _SEPARATORS]
    if not 2 <= len(names) <= 8:
        return False
    return all(_NAME_WORD.match(w.strip(",")) for w in names)


def strip_date_prefix(line: str) -> tuple[str, bool]:
    """Remove a leading date line glued to text (``08/07/2020 | 16:25Sáng 8/7``)."""
    hits = find_dates(line[:80])
    if not hits or line[: hits[0].start].strip(" ,|-–:") not in _WEEKDAY_PREFIXES:
        return line, False
    rest = line[hits[0].end :]
    if hits[0].at is None and rest.strip(" |") and not re.match(r"\s*\|", rest):
        return line, False  # a sentence that opens with a date ("Ngày 29 tháng 10 năm 2013, tại ...")
    rest = re.sub(r"^\s*(?:\(GMT[+-]\d+\))?\s*(?:\|\s*:?\s*\d*)?\s*", "", rest)
    return rest.strip(), True


_WEEKDAY_PREFIXES = {
    "",
    *(
        f"{prefix}{day}"
        for prefix in ("", "Cập nhật: ", "Cập nhật lúc ", "Ngày cập nhật: ", "Ngày đăng: ", "Đăng ngày: ",
                       "Ngày ", "Đăng lúc ", "Thời gian: ")
        for day in ("", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy", "Chủ nhật",
                    "Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật",
                    "Thứ 2", "Thứ 3", "Thứ 4", "Thứ 5", "Thứ 6", "Thứ 7", "CN")
    ),
}
_WEEKDAY_PREFIXES = {p.strip(" ,|-–:") for p in _WEEKDAY_PREFIXES}


CAPTION_MAX = 150


def tidy_blocks(blocks: list[str], title: str | None) -> tuple[list[str], str | None]:
    """Drop debris around an article's paragraphs; return (paragraphs, author).

    A short line right after an image (or an image file name in a text dump) is its caption,
    not article text."""
    out: list[str] = []
    title_key = (title or "").strip().casefold()
    after_image = False
    seen: set[str] = set()
    for block in blocks:
        if block == IMAGE or IMAGE_NAME.match(block.strip()):
            after_image = True
            continue
        text = block.strip()
        if is_end_marker(text) and out:
            break
        if is_junk(text) or (title_key and text.casefold() == title_key):
            continue
        if len(text) >= 30:
            if text in seen:
                continue  # a caption or pull quote shown twice; article text does not repeat itself
            seen.add(text)
        if after_image:
            after_image = False
            if len(text) < CAPTION_MAX and out:
                continue
        if not out:
            text, had_date = strip_date_prefix(text)
            if had_date and (not text or is_junk(text)):
                continue
            if not text:
                continue
        out.append(text)
    author = None
    while out and (is_junk(out[-1]) or not out[-1].strip()):
        out.pop()
    if len(out) > 1 and looks_like_author(out[-1]):
        author = BYLINE_LABEL.sub("", out.pop().strip().strip("()").strip())
    return out, author
