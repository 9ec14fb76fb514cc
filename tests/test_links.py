"""Links built without the router are the links the router builds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from webapp.links import query_url

KEYS = st.sampled_from(["q", "agency", "unit", "year", "month", "from", "to", "sort", "page", "per_page", "x y", "ă&=?"])
VALUES = st.one_of(st.none(), st.integers(-5, 3000), st.text(max_size=12),
                   st.lists(st.one_of(st.text(max_size=8), st.integers(0, 99), st.none()), max_size=3))


@settings(max_examples=300, deadline=None)
@given(values=st.dictionaries(KEYS, VALUES, max_size=6), endpoint=st.sampled_from(["views.search", "views.feed", "api.search"]),
       root=st.sampled_from(["", "/tra-cuu"]))
def test_query_urls_are_the_routers(app, values, endpoint, root):
    from flask import url_for

    with app.test_request_context("/search", environ_base={"SCRIPT_NAME": root}):
        assert query_url(endpoint, values) == url_for(endpoint, **values)


def test_an_endpoint_with_path_arguments_goes_through_the_router(app):
    from flask import url_for

    with app.test_request_context("/search"):
        assert query_url("views.doc", {"doc_id": "abc", "q": "y tế"}) == url_for("views.doc", doc_id="abc", q="y tế")


ARG_VALUES = st.one_of(st.text(max_size=6), st.integers(1, 30),
                       st.lists(st.one_of(st.text(max_size=6), st.integers(2000, 2030)), max_size=3))


@settings(max_examples=300, deadline=None)
@given(args=st.dictionaries(st.sampled_from(["q", "agency", "unit", "year", "month", "page", "sort"]), ARG_VALUES, max_size=5),
       key=st.sampled_from(["agency", "unit", "year", "month"]),
       values=st.lists(st.one_of(st.text(max_size=6), st.sampled_from(["2020", "Bộ Y tế", "a&b"])), max_size=5))
def test_toggle_urls_are_each_values_toggle(app, args, key, values):
    from webapp.filters import toggle
    from webapp.links import toggle_urls

    if not isinstance(args.get(key, []), list):
        return  # the facets only toggle list-valued arguments
    with app.test_request_context("/search"):
        assert toggle_urls("views.search", args, key, values) == [toggle(args, key, v) for v in values]
