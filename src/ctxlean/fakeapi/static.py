"""Static pages served at GET /pages/<name> (from the dict given to FakeAnthropic), so WebFetch can be
exercised on 127.0.0.1 without any outside network."""

from __future__ import annotations

import mimetypes

from ctxlean.fakeapi.routing import Reply, Request, error_reply, route


@route("GET", r"/pages/(?P<name>.+)")
def page(req: Request) -> Reply:
    name = req.params["name"]
    req.rule = f"page:{name}"
    content = req.server.pages.get(name)
    if content is None:
        return error_reply(404, "not_found_error", f"fake: no page {name!r}")
    kind = mimetypes.guess_type(name)[0] or "text/plain"
    data = content.encode() if isinstance(content, str) else content
    return Reply(body=data, content_type=f"{kind}; charset=utf-8" if kind.startswith("text/") else kind)
