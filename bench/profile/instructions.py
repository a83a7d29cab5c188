#!/usr/bin/env python3
"""User-space instructions per request by pipeline stage, from callgrind.

    valgrind --tool=callgrind --callgrind-out-file=get.out mollie-sandbox ...
    (drive N requests, then callgrind_control -d)
    callgrind_annotate --inclusive=yes get.out > get.txt
    python3 bench/profile/instructions.py get.txt REQUESTS STARTUP_IR

Instruction counts do not depend on what else the machine is doing, so a
before and an after are comparable from one machine load to another; they
leave out the kernel (see stages.py and perf for that share).
"""
import re
import sys

LINE = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(\S+?):(.+?) \[")


def inclusive(path):
    """Largest inclusive count per function name (its defining file's entry)."""
    best = {}
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            n = int(m.group(1).replace(",", ""))
            name = m.group(3).strip()
            best[name] = max(best.get(name, 0), n)
    return best


def total(path):
    with open(path) as f:
        for line in f:
            m = re.match(r"^\s*([\d,]+) \(100\.0%\)\s+PROGRAM TOTALS", line)
            if m:
                return int(m.group(1).replace(",", ""))
    return 0


def find(inc, *patterns):
    return sum(
        max((n for name, n in inc.items() if re.search(p, name)), default=0)
        for p in patterns
    )


def stages(path, requests, startup):
    inc = inclusive(path)
    handle = find(inc, r"^mollie_sandbox::app::handle::\{\{closure\}\}$")
    route = find(inc, r"^mollie_sandbox::api::route$")
    # to_json when it is a function of its own, else the view it serialises
    # (inlined into its caller in some builds).
    render = max(
        find(inc, r"^mollie_sandbox::views::to_json$"),
        find(inc, r"^<mollie_sandbox::views::\S+View as serde_core::ser::Serialize>::serialize$"),
        # Views written as text: their body() (text() when that is inlined).
        find(inc, r"^mollie_sandbox::views::\S+::\S+View::body$"),
    )
    app = {
        # A keep-alive client's repeated key: the remembered account
        # instead of the check and the lookup.
        "auth": find(
            inc,
            r"^mollie_sandbox::auth::Credential::from_header$",
            r"^mollie_sandbox::store::registry::Registry::remembered$",
        ),
        "account lookup": find(inc, r"^mollie_sandbox::store::registry::Registry::get$"),
        "body, query and the body timer": find(
            inc,
            r"^mollie_sandbox::app::read_body::\{\{closure\}\}$",
            r"^mollie_sandbox::http::request::Body::(decode|of_type)$",
            r"^mollie_sandbox::http::request::Query::parse$",
        ),
        "handler (without render)": route - render,
        "render (JSON)": render,
        "journal": find(inc, r"^mollie_sandbox::journal::record$"),
        "metrics": find(inc, r"^mollie_sandbox::metrics::Metrics::observe$"),
        "base URL": find(inc, r"^mollie_sandbox::app::App::(base_url|api_base)$"),
    }
    # Account lookup, the scenario check and idempotency are inlined into
    # the pipeline in some builds; they are part of this row then.
    app["the rest of app::handle"] = handle - sum(app.values())
    # Reading and parsing a head: Buffered's parse and read when they are
    # functions of their own, else the connection's poll_read_head that
    # they were inlined into.
    hyper_read = max(
        find(
            inc,
            r"^hyper::proto::h1::io::Buffered<T,B>::parse$",
            r"^hyper::proto::h1::io::Buffered<T,B>::poll_read_from_io$",
        ),
        find(inc, r"^hyper::proto::h1::conn::Conn<I,B,T>::poll_read_head$"),
    )
    write = find(inc, r"^hyper::proto::h1::dispatch::Dispatcher<D,Bs,I,T>::poll_write$") - handle
    all_ir = total(path) - startup
    rows = [("read and parse the request (hyper)", hyper_read)]
    rows += list(app.items())
    rows += [("write the response (hyper)", write)]
    rows += [("runtime, connection task, the rest", all_ir - hyper_read - handle - write)]
    rows += [("total", all_ir)]
    return [(name, n / requests) for name, n in rows]


if __name__ == "__main__":
    path, requests, startup = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    for name, per in stages(path, requests, startup):
        print(f"{name}\t{per:.0f}")
