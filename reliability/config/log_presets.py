"""Built-in line patterns (RE2 syntax, named groups) for the access logs everyone has.

Each pattern matches from the start of the line; text after the known fields (a field appended to
the format, such as $request_time) is allowed and ignored, so a slightly extended format still reads.
"""

from __future__ import annotations

import re

# "$request": method, path and protocol when it is well formed; any text (a probe, garbage) otherwise.
_REQUEST = (
    r'"(?:(?P<method>[A-Z]+) (?P<path>[^ "?]*)(?:\?(?P<query>[^ "]*))? (?P<protocol>[^ "]+)'
    r'|(?P<request>[^"]*))"'
)

# NGINX/Apache: $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
COMMON = (
    r"^(?P<remote_addr>\S+) (?P<ident>\S+) (?P<remote_user>\S+) \[(?P<time_local>[^\]]+)\] "
    + _REQUEST
    + r" (?P<status>\d{3}) (?P<body_bytes_sent>\d+|-)(?:\s|$)"
)
# common, then "$http_referer" "$http_user_agent"
COMBINED = (
    COMMON.removesuffix(r"(?:\s|$)") + r' "(?P<http_referer>[^"]*)" "(?P<http_user_agent>[^"]*)"(?:\s|$)'
)

# Envoy's default: [%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%"
# %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION%
# %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
# "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"
ENVOY = (
    r"^\[(?P<start_time>[^\]]+)\] "
    + _REQUEST
    + r" (?P<response_code>\d+) (?P<response_flags>\S+) (?P<bytes_received>\d+) (?P<bytes_sent>\d+)"
    r" (?P<duration>\d+|-) (?P<upstream_service_time>\d+|-) \"(?P<x_forwarded_for>[^\"]*)\""
    r' "(?P<user_agent>[^"]*)" "(?P<request_id>[^"]*)" "(?P<authority>[^"]*)" "(?P<upstream_host>[^"]*)"'
    r"(?:\s|$)"
)

# HAProxy's HTTP log (option httplog), after its syslog header: client_ip:port [accept_date]
# frontend backend/server TR/Tw/Tc/Tr/Ta status bytes cookies termination_state
# actconn/feconn/beconn/srv_conn/retries srv_queue/backend_queue {headers} "request".
# accept_date has milliseconds and no zone: %d/%b/%Y:%H:%M:%S.%f with the server's time_zone.
HAPROXY = (
    r"(?:^|\s)(?P<client_ip>[0-9A-Fa-f.:]+):(?P<client_port>\d+) \[(?P<accept_date>[^\]]+)\]"
    r" (?P<frontend>\S+) (?P<backend>[^/\s]+)/(?P<server>\S+)"
    r" (?P<t_request>-?\d+)/(?P<t_queue>-?\d+)/(?P<t_connect>-?\d+)/(?P<t_response>-?\d+)"
    r"/\+?(?P<t_active>-?\d+)"
    r" (?P<status_code>-?\d+) \+?(?P<bytes_read>\d+) \S+ \S+ (?P<termination_state>\S+)"
    r" (?P<actconn>\d+)/(?P<feconn>\d+)/(?P<beconn>\d+)/(?P<srv_conn>\d+)/\+?(?P<retries>\d+)"
    r" (?P<srv_queue>\d+)/(?P<backend_queue>\d+)(?: \{[^}]*\})*"
    " " + _REQUEST + r"(?:\s|$)"
)

PRESETS = {"common": COMMON, "combined": COMBINED, "envoy": ENVOY, "haproxy": HAPROXY}


def group_names(pattern: str) -> list[str] | str:
    """The pattern's named groups in order, or why it cannot split lines (a syntax error, unnamed groups)."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        return f"not a valid regular expression: {exc}"
    names = list(compiled.groupindex)
    if compiled.groups > len(names):
        return "every group must be named, such as (?P<status>\\d{3}); write (?:...) for one that only groups"
    if not names:
        return "the pattern has no named group, such as (?P<status>\\d{3}), to read a field from"
    return names
