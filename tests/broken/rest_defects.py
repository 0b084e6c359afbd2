"""Gateways in front of Elasticsearch that break the REST layer every client relies on (issue 24): each is a
:class:`~broken_targets.Defect` a real proxy or API gateway ships (a header stripped, a query parameter
dropped or allow-listed, a media type normalised or refused, its own error pages), caught by one ``rest.*``
rule that the reference passes."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

from broken_targets import BrokenProxy, Defect, ProxyRequest, Reply

__all__ = ["REST_DEFECTS"]

_PRODUCT = "x-elastic-product"


def _strip_product_header(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    reply = proxy.forward(req)
    return Reply(reply.status, {k: v for k, v in reply.headers.items() if k.lower() != _PRODUCT}, reply.body)


def _query_without(*names: str) -> Callable[[BrokenProxy, ProxyRequest], Reply]:
    """A gateway that drops query parameters it does not pass on (``names``; ``"*unknown*"``: any it does not
    know, an allow-list)."""
    known = {"filter_path", "pretty", "human", "error_trace", "format", "dry_run", "force", "timeout"}

    def handler(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
        pairs = parse_qsl(req.query, keep_blank_values=True)
        if "*unknown*" in names:
            kept = [(k, v) for k, v in pairs if k in known]
        else:
            kept = [(k, v) for k, v in pairs if k not in names]
        return proxy.forward(ProxyRequest(req.method, req.path, urlencode(kept), req.body, req.raw, req.headers))

    return handler


def _headers_with(req: ProxyRequest, name: str, value: str) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in req.headers if k.lower() != name.lower()) + ((name, value),)


def _vendor_refused(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A gateway that knows only application/json: 406 for the clients' compatible-with media type."""
    accept = next((v for k, v in req.headers if k.lower() == "accept"), "")
    if "vnd.elasticsearch" in accept:
        return Reply(406, {"Content-Type": "application/json"}, b'{"error": "Not Acceptable", "status": 406}')
    return proxy.forward(req)


def _vendor_normalised(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A gateway that rewrites every Accept to application/json: a version the line refuses gets through."""
    headers = _headers_with(req, "Accept", "application/json")
    return proxy.forward(ProxyRequest(req.method, req.path, req.query, req.body, req.raw, headers))


def _json_content_type(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A gateway that labels every body application/json, whatever the client sent."""
    if not req.raw:
        return proxy.forward(req)
    headers = _headers_with(req, "Content-Type", "application/json")
    return proxy.forward(ProxyRequest(req.method, req.path, req.query, req.body, req.raw, headers))


def _own_not_found(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A gateway answering its own 404 page where Elasticsearch says "no handler found"."""
    reply = proxy.forward(req)
    if reply.status == 400 and b"no handler found" in reply.body:
        return Reply(404, {"Content-Type": "application/json", "X-elastic-product": "Elasticsearch"},
                     b'{"message": "no Route matched with those values"}')
    return reply


def _method_as_404(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A gateway whose routes name methods: a method the route lacks is its 404, not Elasticsearch's 405."""
    reply = proxy.forward(req)
    if reply.status == 405:
        return Reply(404, {"Content-Type": "application/json", "X-elastic-product": "Elasticsearch"},
                     b'{"error": "not found", "status": 404}')
    return reply


def _empty_segment_500(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A gateway whose router fails on an empty path segment: a 500 HTML page."""
    if "//" in req.path:
        return Reply(500, {"Content-Type": "text/html"}, b"<html><body><h1>500 Internal Server Error</h1></body></html>")
    return proxy.forward(req)


def _trailing_slash_404(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A gateway with exact-match routes: a trailing slash is its 404."""
    if req.path.endswith("/") and req.path != "/":
        return Reply(404, {"Content-Type": "application/json", "X-elastic-product": "Elasticsearch"},
                     b'{"message": "no Route matched with those values"}')
    return proxy.forward(req)


def _head_as_get(proxy: BrokenProxy, req: ProxyRequest) -> Reply:
    """A gateway that answers HEAD by sending the backend a GET and dropping the body (as many proxies do)."""
    if req.method != "HEAD":
        return proxy.forward(req)
    reply = proxy.forward(ProxyRequest("GET", req.path, req.query, req.body, req.raw, req.headers))
    return Reply(reply.status, reply.headers, b"")


REST_DEFECTS: dict[str, Defect] = {
    d.name: d
    for d in (
        Defect("product_header_stripped", "a gateway drops X-elastic-product from every answer", "rest.product_header",
               ("rest.product_header",), _strip_product_header, reason="without the product header"),
        Defect("filter_path_not_applied", "a gateway forwards the request without filter_path", "rest.response_params",
               ("rest.response_params",), _query_without("filter_path"), reason="not applied"),
        Defect("unknown_params_dropped", "a gateway allow-lists query parameters and drops the others",
               "rest.unrecognized_parameter", ("rest.unrecognized_parameter",), _query_without("*unknown*"),
               reason="wrong status"),
        Defect("error_trace_dropped", "a gateway drops error_trace", "rest.error_trace", ("rest.error_trace",),
               _query_without("error_trace"), reason="no stack_trace"),
        Defect("compatible_with_refused", "a gateway refuses the compatible-with media type with a 406",
               "rest.compatible_with.accepted", ("rest.compatible_with.accepted",), _vendor_refused,
               reason="unexpected status", es_version="9.1"),
        Defect("compatible_with_normalised", "a gateway rewrites Accept to application/json",
               "rest.compatible_with.refused", ("rest.compatible_with.refused",), _vendor_normalised,
               reason="wrong status"),
        Defect("content_type_relabelled", "a gateway labels every body application/json", "rest.content_type",
               ("rest.content_type",), _json_content_type, reason="wrong status"),
        Defect("no_handler_own_404", "a gateway answers its own 404 where no handler matches", "rest.no_handler",
               ("rest.no_handler",), _own_not_found, reason="wrong status"),
        Defect("method_not_allowed_as_404", "a gateway answers 404 for a method the route lacks",
               "rest.method_not_allowed", ("rest.method_not_allowed",), _method_as_404, reason="wrong status"),
        Defect("empty_segment_500", "a gateway fails with a 500 page on an empty path segment", "rest.empty_segment",
               ("rest.empty_segment",), _empty_segment_500, reason="not a JSON 4xx", es_version="9.4"),
        Defect("trailing_slash_404", "a gateway answers 404 for a path with a trailing slash", "rest.trailing_slash",
               ("rest.trailing_slash",), _trailing_slash_404, reason="a trailing slash changed the answer"),
        Defect("head_as_get", "a gateway answers HEAD as a GET without its body", "rest.head", ("rest.head",),
               _head_as_get, reason="not Elasticsearch's 405", es_version="8.19"),
    )
}
